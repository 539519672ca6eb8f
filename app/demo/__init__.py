"""Demo data: `flask --app wsgi demo` fills an empty database with a believable market."""
