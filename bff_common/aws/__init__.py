"""The few AWS calls on the Lambda cold path, signed and sent without botocore.

Measured (deploy/measure_cold_start.py, python3.12 from the packaged zip): importing
boto3 costs 180-300 ms here and each client another ~80 ms (its service model is
loaded and parsed), more than the rest of a gateway's cold start. The calls needed are
few and fixed: SSM GetParameters and Secrets Manager GetSecretValue (bff_common/secrets.py),
Lambda Invoke (gateway/execute/lambda_transport.py), DynamoDB GetItem/Query/PutItem
(discovery/store/dynamodb_lean.py). Here, not in gateway/, because discovery/ and
services/ sign too and may not import the gateway.

    sigv4.py      credentials, region and endpoints from the environment; Signature V4
    json_api.py   one JSON-protocol call (SSM, Secrets Manager) over http.client; its errors
"""
