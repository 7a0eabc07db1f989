"""Failures of the emulator: API errors carry the gRPC status that the real service would return."""

import grpc


class EmulatorError(Exception):
    """Root of the emulator's own errors."""


class ApiError(EmulatorError):
    """A Cloud Tasks API call fails with this gRPC status code and message."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class TaskNotFoundError(EmulatorError, LookupError):
    """A test control named a task that is not pending (admin API: 404)."""


def not_found(what: str) -> ApiError:
    return ApiError(grpc.StatusCode.NOT_FOUND, f"Requested entity was not found. ({what})")


def invalid(message: str) -> ApiError:
    return ApiError(grpc.StatusCode.INVALID_ARGUMENT, message)


def already_exists(message: str = "Requested entity already exists") -> ApiError:
    return ApiError(grpc.StatusCode.ALREADY_EXISTS, message)
