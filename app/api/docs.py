"""The API's reference page, /api/v1/docs: rendered on the server from the live OpenAPI
document, with our own template and stylesheet (no third-party viewer, nothing fetched
from elsewhere).

The page explains what every operation shares (tokens, scopes, problems, pagination,
ETags, idempotency, rate limits, money and times), then lists every tag and operation
with its parameters, request body, responses and their schemas as nested tables, and a
curl example.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template

from app.api.rate_limits import limits_text

bp = Blueprint("api_docs", __name__)

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
MAX_DEPTH = 6  # nested tables stop here (and on a schema already being shown)


@dataclass
class SchemaView:
    """A schema as the template shows it: a type line, and fields when it is an object."""

    type_label: str
    description: str = ""
    name: str | None = None  # the component's name, when the schema is a $ref
    constraints: list[str] = field(default_factory=list)
    fields: list[FieldView] = field(default_factory=list)
    item_fields: bool = False  # the fields are those of the array's items
    recursive: bool = False  # already shown further up: not expanded again


@dataclass
class FieldView:
    name: str
    schema: SchemaView
    required: bool = False
    read_only: bool = False
    nullable: bool = False


class SpecReader:
    """Reads one OpenAPI 3 document, resolving its local $refs."""

    def __init__(self, spec: dict):
        self.spec = spec

    def resolve(self, node: dict | None) -> tuple[dict, str | None]:
        """The node with its $ref followed (and the referenced component's name)."""
        name = None
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 10:
            ref = node["$ref"]
            name = ref.rsplit("/", 1)[-1]
            target: object = self.spec
            for part in ref.lstrip("#/").split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            node = target
            seen += 1
        return (node if isinstance(node, dict) else {}), name

    # --- schemas ------------------------------------------------------------------------

    def schema_view(self, node: dict | None, *, depth: int = 0, trail: tuple[str, ...] = ()) -> SchemaView:
        schema, name = self.resolve(node)
        if "allOf" in schema and len(schema["allOf"]) == 1:
            inner = self.schema_view(schema["allOf"][0], depth=depth, trail=trail)
            inner.description = schema.get("description") or inner.description
            return inner
        view = SchemaView(type_label=self._type_label(schema, name), description=schema.get("description", ""),
                          name=name, constraints=self._constraints(schema))
        if name and name in trail:
            view.recursive = True
            return view
        trail = (*trail, name) if name else trail
        if depth >= MAX_DEPTH:
            return view
        target, view.item_fields = schema, False
        if schema.get("type") == "array":
            target, _item_name = self.resolve(schema.get("items"))
            view.item_fields = True
        properties = target.get("properties") or {}
        required = set(target.get("required") or ())
        for prop_name, prop in properties.items():
            child = self.schema_view(prop, depth=depth + 1, trail=trail)
            resolved, _ = self.resolve(prop)
            view.fields.append(FieldView(
                name=prop_name, schema=child, required=prop_name in required,
                read_only=bool(resolved.get("readOnly")), nullable=bool(resolved.get("nullable")),
            ))
        if not properties and isinstance(target.get("additionalProperties"), dict):
            values = self.schema_view(target["additionalProperties"], depth=depth + 1, trail=trail)
            if values.fields:
                view.fields.append(FieldView(name="*", schema=values))
        return view

    def _type_label(self, schema: dict, name: str | None = None) -> str:
        kind = schema.get("type")
        if kind == "array":
            items, item_name = self.resolve(schema.get("items"))
            return f"array of {self._type_label(items, item_name)}"
        if kind == "object" or ("properties" in schema and not kind):
            if not schema.get("properties") and isinstance(schema.get("additionalProperties"), dict):
                values, values_name = self.resolve(schema["additionalProperties"])
                return f"object of {self._type_label(values, values_name)}"
            return name or "object"
        label = kind or (name or "any")
        if schema.get("format"):
            label += f" ({schema['format']})"
        return label

    @staticmethod
    def _constraints(schema: dict) -> list[str]:
        found = []
        if "enum" in schema:
            found.append("one of: " + ", ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"]))
        for key, text in (("minimum", "≥ {}"), ("maximum", "≤ {}"), ("minLength", "at least {} characters"),
                          ("maxLength", "at most {} characters"), ("minItems", "at least {} items"),
                          ("maxItems", "at most {} items"), ("pattern", "pattern {}")):
            if key in schema:
                found.append(text.format(schema[key]))
        if "default" in schema:
            found.append("default " + json.dumps(schema["default"], ensure_ascii=False))
        return found

    # --- examples ------------------------------------------------------------------------

    def example(self, node: dict | None, *, depth: int = 0, required_only: bool = True) -> object:
        schema, _name = self.resolve(node)
        if "example" in schema:
            return schema["example"]
        if "allOf" in schema and schema["allOf"]:
            return self.example(schema["allOf"][0], depth=depth, required_only=required_only)
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind = schema.get("type")
        if kind == "array":
            return [] if depth >= 3 else [self.example(schema.get("items"), depth=depth + 1)]
        if kind == "object" or "properties" in schema:
            if depth >= 3:
                return {}
            required = set(schema.get("required") or ())
            props = schema.get("properties") or {}
            chosen = [k for k in props if k in required] or ([] if required_only and depth else list(props)[:3])
            return {k: self.example(props[k], depth=depth + 1) for k in chosen if not props[k].get("readOnly")}
        if kind == "integer":
            return schema.get("minimum", 1) if schema.get("minimum", 1) > 0 else 1
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return True
        if schema.get("format") == "date-time":
            return "2026-12-31T16:00:00Z"
        if schema.get("format") == "date":
            return "2026-12-31"
        return "…"

    # --- operations -----------------------------------------------------------------------

    def operations(self) -> list[dict]:
        found = []
        for path, item in (self.spec.get("paths") or {}).items():
            shared = item.get("parameters") or []
            for method in HTTP_METHODS:
                if method in item:
                    found.append(self._operation(path, method, item[method], shared))
        return found

    def _operation(self, path: str, method: str, operation: dict, shared: list) -> dict:
        parameters = {}
        for raw in [*shared, *(operation.get("parameters") or [])]:
            parameter, _ = self.resolve(raw)
            parameters[(parameter.get("in"), parameter.get("name"))] = parameter
        params = [{
            "name": p.get("name"), "in": p.get("in"), "required": bool(p.get("required")),
            "description": p.get("description", ""), "schema": self.schema_view(p.get("schema")),
            "raw": p,
        } for p in parameters.values()]
        body = None
        if operation.get("requestBody"):
            request_body, _ = self.resolve(operation["requestBody"])
            content = request_body.get("content") or {}
            media_type, media = next(iter(content.items()), (None, {}))
            body = {"media_type": media_type, "required": bool(request_body.get("required")),
                    "description": request_body.get("description", ""),
                    "schema": self.schema_view(media.get("schema")), "raw_schema": media.get("schema")}
        responses = []
        for status, raw in sorted((operation.get("responses") or {}).items(), key=lambda kv: _status_order(kv[0])):
            response, name = self.resolve(raw)
            contents = [{"media_type": media_type, "schema": self.schema_view(media.get("schema"))}
                        for media_type, media in (response.get("content") or {}).items()]
            headers = []
            for header_name, header in (response.get("headers") or {}).items():
                header, _ = self.resolve(header)
                headers.append({"name": header_name, "description": header.get("description", ""),
                                "required": bool(header.get("required")),
                                "type": self._type_label(self.resolve(header.get("schema"))[0])})
            responses.append({"status": status, "description": response.get("description", ""),
                              "contents": contents, "headers": headers, "shared": name})
        security = operation.get("security", self.spec.get("security") or [])
        return {
            "method": method.upper(), "path": path, "anchor": anchor(method, path),
            "summary": operation.get("summary", ""), "description": operation.get("description", ""),
            "tags": operation.get("tags") or ["other"], "parameters": params, "body": body,
            "responses": responses, "public": security == [], "deprecated": bool(operation.get("deprecated")),
            "curl": self.curl(method, path, params, body, public=security == []),
        }

    def curl(self, method: str, path: str, params: list[dict], body: dict | None, *, public: bool) -> str:
        prefix = current_app.config.get("OPENAPI_URL_PREFIX", "/api/v1")
        url_path = path[len(prefix):] if path.startswith(prefix) else path
        url_path = re.sub(r"\{([^}]+)\}", lambda m: _placeholder(m.group(1)), url_path)
        query = [f"{p['name']}={_query_value(self.example(p['raw'].get('schema')))}" for p in params
                 if p["in"] == "query" and p["required"]]
        url = "$API" + url_path + ("?" + "&".join(query) if query else "")
        lines = [f'curl -s -X {method.upper()} "{url}"' if method != "get" else f'curl -s "{url}"']
        if not public:
            lines.append('-H "Authorization: Bearer $TOKEN"')
        for p in params:
            if p["in"] == "header" and p["required"]:
                value = '\\"<etag>\\"' if p["name"].lower() == "if-match" else "<" + p["name"].lower() + ">"
                lines.append(f'-H "{p["name"]}: {value}"')
        if body is not None and body["media_type"]:
            lines.append(f'-H "Content-Type: {body["media_type"]}"')
            if body["media_type"] == "application/json":
                example = self.example(body["raw_schema"], required_only=False)
                data = json.dumps(example, ensure_ascii=False).replace("'", "'\"'\"'")
                lines.append(f"--data '{data}'")
        return " \\\n  ".join(lines)


def _placeholder(name: str) -> str:
    return {"reference": "TRP-2026-0001"}.get(name, "1" if name.endswith("id") else f"<{name}>")


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value)


def _status_order(status: str) -> tuple[int, str]:
    return (int(status), "") if str(status).isdigit() else (1000, str(status))


def anchor(method: str, path: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-")
    return f"{method.lower()}-{slug}"


def tag_sections(spec: dict, operations: list[dict]) -> list[dict]:
    """Tags in the document's order (then any tag only operations name), each with its operations."""
    tags = [dict(t) for t in spec.get("tags") or []]
    known = {t["name"] for t in tags}
    for operation in operations:
        for name in operation["tags"]:
            if name not in known:
                tags.append({"name": name})
                known.add(name)
    sections = []
    for tag in tags:
        ops = [o for o in operations if o["tags"][0] == tag["name"]]
        if ops:
            sections.append({"name": tag["name"], "anchor": "tag-" + re.sub(r"[^a-z0-9]+", "-", tag["name"].lower()),
                             "description": tag.get("description", ""), "operations": ops})
    return sections


@bp.route("/api/v1/docs")
def index():
    from app.api import api

    cached = current_app.extensions.get("api_docs")
    if cached is None or current_app.debug:  # the document is fixed once the app is built
        spec = api.spec.to_dict()
        reader = SpecReader(spec)
        operations = reader.operations()
        cached = current_app.extensions["api_docs"] = {
            "sections": tag_sections(spec, operations), "operation_count": len(operations),
            "problem": reader.schema_view({"$ref": "#/components/schemas/Problem"}),
        }
    return render_template(
        "api/docs.html", **cached,
        api_url=current_app.config["PUBLIC_URL"] + current_app.config.get("OPENAPI_URL_PREFIX", "/api/v1"),
        rate_limit=limits_text(current_app.config["API_RATE_LIMIT"]),
        write_rate_limit=limits_text(current_app.config["API_WRITE_RATE_LIMIT"]),
    )
