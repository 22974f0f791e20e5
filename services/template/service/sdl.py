"""Print the subgraph SDL the stack registers: `python -m service.sdl > schema.graphql` before packaging."""

from .schema import schema

if __name__ == "__main__":
    result = schema.execute_sync("{ _service { sdl } }")
    assert result.data is not None, result.errors
    print(result.data["_service"]["sdl"])
