"""Shape: the last step of a request, from the executor's merged data to the client's response.

The executor's data tree has the client's response keys plus whatever the
planner added (keys, `__typename`, @requires fields) and may miss fields a
subgraph failed to deliver. A `ShapeProgram`, compiled once per operation and
@skip/@include values, turns it into exactly what a single GraphQL server
would answer: the client's fields in the client's order, values checked
against the API schema, and nulls propagated with their errors.
"""

from .collect import skip_include_variables
from .program import ShapeProgram, compile_shape

__all__ = ["ShapeProgram", "compile_shape", "skip_include_variables"]
