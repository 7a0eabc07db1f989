"""Which of our modules on each function's cold path still load pydantic (decision 0045): the lists
only shrink. ``tests/unit/test_cold_paths.py`` holds each function's start to them, and the cold-start
benchmark (``tests/perf/cold_request.py``) holds a function whose list is empty to loading no pydantic
by its first request's answer either."""

SCHEMA = {"shared.domain.schema"}  # the base of the pydantic models left
STILL_ON_PYDANTIC: dict[str, set[str]] = {
    "oauth_callback": SCHEMA | {"shared.domain.api_keys"},
    "notion_webhook": set(),
    "plan": SCHEMA
    | {
        "shared.adapters.vertex_model",
        "shared.domain.model_calls",
        "shared.domain.model_replies",
    },
    "execute_step": set(),
    "deploy": set(),
    "notify": set(),
    # api's route table holds its handlers: their modules, and their body models, load with it.
    "api": SCHEMA
    | {
        "functions.routes.api_keys",
        "functions.routes.home",
        "functions.routes.run_actions",
        "functions.routes.runs",
        "shared.domain.api_keys",
        "shared.domain.settings_input",
        "shared.domain.struct_models",
    },
}
