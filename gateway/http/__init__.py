"""GraphQL over HTTP in and out: the ASGI app (`create_app`) and the Lambda handler.

`lambda_handler` is not imported here: only Lambda needs mangum.
"""

from .asgi import create_app

__all__ = ["create_app"]
