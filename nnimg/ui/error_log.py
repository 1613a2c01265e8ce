"""One line in the server's log per user error. Gradio prints the full traceback of every gr.Error
(a bad value, a missing checkpoint) unless it was raised with print_exception=False; this logs
"user error in /endpoint: <the sentence>" instead, for every event, while any other exception (a
bug) keeps its traceback. A file input that names a path on the server or a web address (which Gradio would
refuse with an internal error, or download) gets the sentence `NOT_UPLOADED` instead."""

from __future__ import annotations

import logging

import gradio as gr
from gradio import route_utils
from gradio.exceptions import InvalidPathError
from pydantic import ValidationError

log = logging.getLogger(__name__)
NOT_UPLOADED = "names a file on the server or a web address; send the picture itself (upload it) instead."


def names_a_web_address(data) -> bool:
    """Whether an event's inputs hold a file payload whose path is a web address."""
    if isinstance(data, dict):
        path = data.get("path")
        if isinstance(path, str) and path.lower().startswith(("http://", "https://")):
            return True
        return any(names_a_web_address(value) for value in data.values())
    if isinstance(data, list | tuple):
        return any(names_a_web_address(value) for value in data)
    return False


def install() -> None:
    """Route every event through `call_process_api` below (Gradio's queue and its REST route call
    `route_utils.call_process_api` by attribute, so replacing it here reaches both)."""
    if getattr(route_utils.call_process_api, "logs_user_errors", False):
        return
    call = route_utils.call_process_api

    async def call_process_api(*args, **kwargs):
        endpoint = f"/{getattr(kwargs.get('fn'), 'api_name', None) or '?'}"
        try:
            if names_a_web_address(getattr(kwargs.get("body"), "data", None)):
                raise InvalidPathError(endpoint)
            return await call(*args, **kwargs)
        except gr.Error as error:
            user_error = error
        except InvalidPathError:  # a path on the server or a web address instead of an uploaded file
            user_error = gr.Error(f"An input of {endpoint} {NOT_UPLOADED}")
        except ValidationError as error:  # Gradio checks each input's payload against its component's kind
            user_error = gr.Error(f"An input of {endpoint} is not of the kind it takes: {error.errors()[0]['msg']}.")
        user_error.print_exception = False
        log.info("user error in %s: %s", endpoint, user_error.message)
        raise user_error

    call_process_api.logs_user_errors = True
    route_utils.call_process_api = call_process_api
