//! The wire error format: HTTP status, `x-amzn-ErrorType`, and the JSON body the SDK's restJson1 error parser reads.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;

/// Header carrying the request id; the SDK reads it into `request_id()` on outputs and errors.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("x-amzn-requestid");
/// Header the SDK reads the error code from before looking at the body.
const ERROR_TYPE: HeaderName = HeaderName::from_static("x-amzn-errortype");

/// Every error the emulator can answer with.
///
/// The first eight are the ones the IVS Real-Time model (plus throttling, which AWS sends though the
/// model does not list it) can produce and the ones `/_emulator/faults` can inject; the last two are
/// what a restJson1 front end says about requests that never reach an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum ErrorCode {
    Validation,
    AccessDenied,
    PendingVerification,
    ResourceNotFound,
    Conflict,
    ServiceQuotaExceeded,
    InternalServer,
    Throttling,
    Serialization,
    UnknownOperation,
}

impl ErrorCode {
    /// The codes a fault may inject, by wire name.
    const INJECTABLE: [ErrorCode; 8] = [
        ErrorCode::Validation,
        ErrorCode::AccessDenied,
        ErrorCode::PendingVerification,
        ErrorCode::ResourceNotFound,
        ErrorCode::Conflict,
        ErrorCode::ServiceQuotaExceeded,
        ErrorCode::InternalServer,
        ErrorCode::Throttling,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Validation => "ValidationException",
            ErrorCode::AccessDenied => "AccessDeniedException",
            ErrorCode::PendingVerification => "PendingVerification",
            ErrorCode::ResourceNotFound => "ResourceNotFoundException",
            ErrorCode::Conflict => "ConflictException",
            ErrorCode::ServiceQuotaExceeded => "ServiceQuotaExceededException",
            ErrorCode::InternalServer => "InternalServerException",
            ErrorCode::Throttling => "ThrottlingException",
            ErrorCode::Serialization => "SerializationException",
            ErrorCode::UnknownOperation => "UnknownOperationException",
        }
    }

    pub(crate) fn status(self) -> StatusCode {
        match self {
            ErrorCode::Validation | ErrorCode::Serialization => StatusCode::BAD_REQUEST,
            ErrorCode::ServiceQuotaExceeded => StatusCode::PAYMENT_REQUIRED,
            ErrorCode::AccessDenied | ErrorCode::PendingVerification => StatusCode::FORBIDDEN,
            ErrorCode::ResourceNotFound | ErrorCode::UnknownOperation => StatusCode::NOT_FOUND,
            ErrorCode::Conflict => StatusCode::CONFLICT,
            ErrorCode::InternalServer => StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Throttling => StatusCode::TOO_MANY_REQUESTS,
        }
    }

    /// Parses a code a fault may inject; the framing errors are not modelled, so they are refused.
    pub(crate) fn injectable(name: &str) -> Option<ErrorCode> {
        Self::INJECTABLE.into_iter().find(|c| c.as_str() == name)
    }

    pub(crate) fn injectable_names() -> Vec<&'static str> {
        Self::INJECTABLE.iter().map(|c| c.as_str()).collect()
    }
}

/// An error on its way to the wire.
#[derive(Debug, thiserror::Error)]
#[error("{}: {message}", code.as_str())]
pub(crate) struct ApiError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
}

impl ApiError {
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Validation, message)
    }

    /// The phrasing AWS's validation layer uses, so messages read the same against either.
    pub(crate) fn constraint(member: &str, constraint: impl std::fmt::Display) -> ApiError {
        ApiError::validation(format!(
            "1 validation error detected: Value at '{member}' failed to satisfy constraint: {constraint}"
        ))
    }

    pub(crate) fn missing(member: &str) -> ApiError {
        ApiError::constraint(member, "Member must not be null")
    }

    pub(crate) fn serialization(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Serialization, message)
    }

    pub(crate) fn not_found(what: &str, arn: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ResourceNotFound,
            format!("{what} not found: {arn}"),
        )
    }

    pub(crate) fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::Conflict, message)
    }

    pub(crate) fn access_denied(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::AccessDenied, message)
    }

    pub(crate) fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(ErrorCode::InternalServer, message)
    }

    /// The response: the SDK takes the code from the header first, and the modelled message from
    /// `exceptionMessage`; `message` also fills the SDK's generic `message()` and other clients.
    pub(crate) fn to_response(&self) -> Response {
        let body = serde_json::json!({
            "__type": self.code.as_str(),
            "exceptionMessage": self.message,
            "message": self.message,
        });
        let mut response = json_response(self.code.status(), &body);
        response
            .headers_mut()
            .insert(ERROR_TYPE, HeaderValue::from_static(self.code.as_str()));
        response
    }
}

/// A JSON response with the content type every IVS answer carries.
pub(crate) fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    // Serialising a `Value` cannot fail (its map keys are strings), so the fallback is unreachable
    // in practice; it keeps the "never panic on a request" promise without an unwrap.
    let bytes = serde_json::to_vec(body).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
