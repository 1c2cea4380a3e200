//! The Lambda runner: an SQS event in, a partial batch response out (`ReportBatchItemFailures`
//! must be enabled on the event source mapping, as the infrastructure does).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};

use crate::batch::Message;
use crate::handler::Handler;
use crate::metrics::emit_summary;

/// What the Lambda runtime library reads from the environment (and panics without): checked
/// first, so running `converter lambda` outside Lambda is one clear error, not a panic.
pub fn check_environment() -> Result<(), String> {
    for name in [
        "AWS_LAMBDA_RUNTIME_API",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_VERSION",
    ] {
        if std::env::var_os(name).is_none() {
            return Err(format!(
                "{name} is not set: not running inside Lambda (outside it, use `converter poll` or `converter convert`)"
            ));
        }
    }
    let memory = std::env::var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").unwrap_or_default();
    if memory.parse::<i32>().is_err() {
        return Err(format!(
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE is {memory:?}, not a number of megabytes"
        ));
    }
    Ok(())
}

/// Serves invocations until the runtime stops. The handler (its SDK clients included) is
/// built once per container by the caller and borrowed by every invocation.
pub async fn run(handler: Handler) -> Result<(), Error> {
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event| handle(handler, event))).await
}

/// One invocation. Fails only when nothing in the batch could be stored (Lambda then retries
/// the whole batch); otherwise lists exactly the messages to deliver again.
pub async fn handle(
    handler: &Handler,
    event: LambdaEvent<SqsEvent>,
) -> Result<SqsBatchResponse, Error> {
    let messages: Vec<Message> = event
        .payload
        .records
        .into_iter()
        .enumerate()
        .map(|(index, record)| {
            // SQS always sets the id. Were one missing, an empty id would make every such record
            // a repeat of the first (its events skipped yet acknowledged): each gets its own. As
            // a batch item failure it is an id Lambda does not know, so it retries the batch.
            let id = record
                .message_id
                .unwrap_or_else(|| format!("(record {index} without a message id)"));
            Message::new(id, record.body.unwrap_or_default())
        })
        .collect();
    let report = handler.handle(messages).await;
    emit_summary(&report, crate::contract::METRICS_SERVICE_LAMBDA);
    if report.nothing_stored() {
        return Err(format!(
            "none of the {} messages could be stored: {}",
            report.messages,
            report
                .errors
                .first()
                .map_or("unknown error", String::as_str)
        )
        .into());
    }
    let mut response = SqsBatchResponse::default();
    response.batch_item_failures = report
        .failed
        .into_iter()
        .map(|id| {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = id;
            failure
        })
        .collect();
    Ok(response)
}
