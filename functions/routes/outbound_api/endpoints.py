"""Webhook endpoints: ``GET``/``POST /webhooks/endpoints``, ``DELETE /webhooks/endpoints/<id>``,
``GET /webhooks/endpoints/<id>/deliveries`` and ``POST …/deliveries/<delivery_id>/send``
(shared.outbound.services.endpoints). Another workspace's endpoint is a 404."""

from functions._http import Reply, json_object
from functions.routes import Call
from functions.routes.sessions_api.sessions import SessionsQuery as PageQuery
from shared.outbound.services.endpoints import (
    add_endpoint,
    list_deliveries,
    list_endpoints,
    remove_endpoint,
    send_again,
)

_BODY = (
    'the body must be a JSON object {"url": "https://...", "events": ["run.finished"], "request_id": "..."}'
)


def get_endpoints(call: Call) -> Reply:
    query = PageQuery.model_validate(call.request.args.to_dict())
    return list_endpoints(call.tenant_id, call.container.outbound.hooks, query.cursor, query.limit), 200


def post_endpoint(call: Call) -> Reply:
    body = json_object(call.request, _BODY)
    return add_endpoint(call.tenant_id, body, call.member_id, call.container.outbound.delivering())


def delete_endpoint(call: Call) -> Reply:
    return remove_endpoint(
        call.tenant_id, call.args["endpoint_id"], call.container.outbound.delivering()
    ), 200


def get_deliveries(call: Call) -> Reply:
    query = PageQuery.model_validate(call.request.args.to_dict())
    hooks = call.container.outbound.hooks
    return list_deliveries(call.tenant_id, call.args["endpoint_id"], hooks, query.cursor, query.limit), 200


def post_send_again(call: Call) -> Reply:
    args = call.args
    hooks = call.container.outbound.delivering()
    return send_again(call.tenant_id, args["endpoint_id"], args["delivery_id"], hooks), 200
