//! Where files land, chosen by URI: a local directory (the embedded default) or
//! `s3://bucket/prefix`. Both write atomically; both take `/`-separated keys.

mod local;
mod s3;

use std::path::PathBuf;

pub use local::LocalLake;
pub use s3::{MULTIPART_THRESHOLD, S3Lake};

/// A lake location, parsed from a URI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LakeUri {
    /// A directory: a plain path or `file:///path`.
    Local(PathBuf),
    /// `s3://bucket/prefix` (the prefix may be empty).
    S3 { bucket: String, prefix: String },
}

impl std::str::FromStr for LakeUri {
    type Err = String;

    fn from_str(uri: &str) -> Result<Self, String> {
        if let Some(rest) = uri.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() {
                return Err(format!(
                    "{uri:?} names no bucket (expected s3://bucket/prefix)"
                ));
            }
            return Ok(LakeUri::S3 {
                bucket: bucket.into(),
                prefix: prefix.trim_matches('/').into(),
            });
        }
        if let Some(path) = uri.strip_prefix("file://") {
            return Ok(LakeUri::Local(path.into()));
        }
        if let Some((scheme, _)) = uri.split_once("://") {
            return Err(format!(
                "{uri:?}: unknown lake scheme {scheme:?} (expected a directory, file:// or s3://)"
            ));
        }
        if uri.is_empty() {
            return Err("empty lake URI".into());
        }
        Ok(LakeUri::Local(uri.into()))
    }
}

impl std::fmt::Display for LakeUri {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LakeUri::Local(path) => write!(f, "{}", path.display()),
            LakeUri::S3 { bucket, prefix } if prefix.is_empty() => write!(f, "s3://{bucket}"),
            LakeUri::S3 { bucket, prefix } => write!(f, "s3://{bucket}/{prefix}"),
        }
    }
}

/// How to reach S3: the standard AWS chain (region, credentials, `AWS_ENDPOINT_URL`), with an
/// optional endpoint override and path-style addressing for moto and LocalStack.
#[derive(Clone, Debug, Default)]
pub struct S3Options {
    pub endpoint_url: Option<String>,
    pub force_path_style: bool,
}

/// A lake, ready to write.
#[derive(Clone, Debug)]
pub enum Lake {
    Local(LocalLake),
    S3(S3Lake),
}

impl Lake {
    /// Opens the lake and checks it is usable (the directory can be created; the bucket exists
    /// and the credentials reach it). The error is one line naming the location.
    pub async fn open(uri: &LakeUri, s3: &S3Options) -> Result<Self, String> {
        match uri {
            LakeUri::Local(path) => LocalLake::new(path)
                .map(Lake::Local)
                .map_err(|e| format!("{uri}: cannot create the directory: {e}")),
            LakeUri::S3 { bucket, prefix } => {
                let lake = S3Lake::new(s3_client(s3).await, bucket, prefix);
                lake.check()
                    .await
                    .map_err(|e| format!("{uri}: bucket {bucket:?} is not reachable: {e}"))?;
                Ok(Lake::S3(lake))
            }
        }
    }

    /// Writes one file atomically, replacing any object at `key`.
    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        match self {
            Lake::Local(lake) => {
                let lake = lake.clone();
                let key = key.to_string();
                tokio::task::spawn_blocking(move || lake.put(&key, &bytes))
                    .await
                    .map_err(|e| format!("write task failed: {e}"))?
                    .map_err(|e| e.to_string())
            }
            Lake::S3(lake) => lake.put(key, bytes).await,
        }
    }
}

/// An S3 client from the standard chain plus `options`.
pub async fn s3_client(options: &S3Options) -> aws_sdk_s3::Client {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(endpoint) = &options.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let config = loader.load().await;
    let s3 = aws_sdk_s3::config::Builder::from(&config)
        .force_path_style(options.force_path_style)
        .build();
    aws_sdk_s3::Client::from_conf(s3)
}

/// One line: the service's error code and message, or the transport error's cause chain. The
/// trait is `aws_smithy_types`', re-exported by every SDK, so this serves SQS errors too.
pub fn describe<E>(error: &E) -> String
where
    E: aws_sdk_s3::error::ProvideErrorMetadata + std::error::Error,
{
    match (error.code(), error.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => aws_sdk_s3::error::DisplayErrorContext(error).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lake_uris() {
        assert_eq!(
            "s3://lake/events/".parse(),
            Ok(LakeUri::S3 {
                bucket: "lake".into(),
                prefix: "events".into()
            })
        );
        assert_eq!(
            "s3://lake".parse(),
            Ok(LakeUri::S3 {
                bucket: "lake".into(),
                prefix: String::new()
            })
        );
        assert_eq!("./lake".parse(), Ok(LakeUri::Local("./lake".into())));
        assert_eq!("file:///tmp/x".parse(), Ok(LakeUri::Local("/tmp/x".into())));
        let error = "gs://bucket".parse::<LakeUri>().unwrap_err();
        assert!(error.contains("unknown lake scheme \"gs\""), "{error}");
        assert!(
            "s3:///prefix"
                .parse::<LakeUri>()
                .unwrap_err()
                .contains("no bucket")
        );
    }
}
