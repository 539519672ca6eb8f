"""The OpenAPI document types every property of its components, so that clients (and
schemathesis's response checks) know what each field holds: a marshmallow Function or
Method field without type metadata would publish a property that accepts anything."""

from __future__ import annotations

import pytest

TYPED = ("type", "$ref", "allOf", "oneOf", "anyOf")

# Free-form JSON values, deliberately untyped ({} with a description): any JSON type is the truth.
ANY_JSON = "any JSON value (string, number, boolean, list, object or null)"
UNTYPED_ALLOWED = {
    ("Change", "old"): f"an amended field's value before the amendment: {ANY_JSON}",
    ("Change", "new"): f"an amended field's value after the amendment: {ANY_JSON}",
}


@pytest.fixture()
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def untyped(schema: dict, where: str) -> list[str]:
    """The places under a schema (properties, items, additional properties) with no type."""
    found = []
    for name, prop in (schema.get("properties") or {}).items():
        here = f"{where}.{name}"
        if not any(key in prop for key in TYPED):
            found.append(here)
        found += untyped(prop, here)
    if isinstance(schema.get("items"), dict):
        if not any(key in schema["items"] for key in TYPED):
            found.append(f"{where}[]")
        found += untyped(schema["items"], f"{where}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        found += untyped(schema["additionalProperties"], f"{where}{{}}")
    return found


def test_every_component_property_has_a_type(document):
    components = document["components"]["schemas"]
    allowed = {f"{component}.{prop}" for component, prop in UNTYPED_ALLOWED}
    missing = [place for name, schema in components.items() for place in untyped(schema, name)
               if place not in allowed]

    assert missing == [], "Without a type (give the field one, or type metadata): " + ", ".join(missing)


def test_the_allowed_untyped_properties_still_exist_and_say_what_they_hold(document):
    components = document["components"]["schemas"]
    for (component, prop), reason in UNTYPED_ALLOWED.items():
        assert reason
        described = components[component]["properties"][prop]
        assert not any(key in described for key in TYPED), f"{component}.{prop} is typed: unlist it"
        assert described.get("description")


def test_computed_fields_are_documented_with_their_shape(document):
    components = document["components"]["schemas"]
    need = components["Need"]["properties"]

    assert need["status"]["type"] == "string" and "closed" in need["status"]["enum"]
    assert need["buyer"]["allOf"] == [{"$ref": "#/components/schemas/Buyer"}]
    assert need["categories"] == {**need["categories"], "type": "array", "items": {"type": "string"}}
    assert components["Bid"]["properties"]["price"]["allOf"] == [{"$ref": "#/components/schemas/Money"}]
    assert components["Bid"]["properties"]["award"]["anyOf"][0] == {"$ref": "#/components/schemas/BidAward"}
    hits = components["NeedSearchResult"]["properties"]["hits"]
    assert hits["items"] == {"$ref": "#/components/schemas/NeedHit"}
    assert components["Notification"]["properties"]["read"]["type"] == "boolean"
    frequency = components["SavedSearch"]["properties"]["frequency"]
    assert frequency == {**frequency, "type": "string", "enum": ["instant", "daily", "weekly"]}


def test_the_document_is_valid_openapi_3(document):
    validator = pytest.importorskip("openapi_spec_validator")

    validator.validate(document)
