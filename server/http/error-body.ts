// ServiceStack's error shape for every failure the router reports:
// {"responseStatus":{"errorCode","message","errors":[{"errorCode","fieldName","message"}]}}
import type { ErrorResponse } from "../../generated/schema.js";
import type { RouterFailure } from "../../generated/server.js";

export function errorBody(failure: RouterFailure): ErrorResponse {
  return {
    responseStatus: {
      errorCode: failure.code,
      message: failure.message,
      errors: failure.errors.map((e) => ({ errorCode: e.code, fieldName: e.field, message: e.message })),
    },
  };
}

/** A failure the handler itself decides on (e.g. a Manager naming a foreign account). */
export function errorResponse(errorCode: string, message: string, field?: { name: string; message: string }): ErrorResponse {
  return {
    responseStatus: {
      errorCode,
      message,
      errors: field ? [{ errorCode, fieldName: field.name, message: field.message }] : [],
    },
  };
}
