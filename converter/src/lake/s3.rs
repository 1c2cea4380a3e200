//! A lake in S3 (`s3://bucket/prefix`). A file is one `PutObject`, or above
//! [`MULTIPART_THRESHOLD`] a multipart upload that is completed or aborted: readers see the
//! whole object or nothing, never a part. Encryption is the bucket's default (SSE-S3 or KMS, set
//! by the infrastructure), so no key material is handled here.

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart};

use super::describe;

/// Objects larger than this are sent as a multipart upload.
pub const MULTIPART_THRESHOLD: usize = 64 << 20;
/// Part size of multipart uploads (S3's minimum is 5 MiB).
pub const PART_BYTES: usize = 16 << 20;

#[derive(Clone, Debug)]
pub struct S3Lake {
    client: Client,
    bucket: String,
    /// Empty, or ends with `/`.
    prefix: String,
}

impl S3Lake {
    pub fn new(client: Client, bucket: impl Into<String>, prefix: &str) -> Self {
        let prefix = prefix.trim_matches('/');
        Self {
            client,
            bucket: bucket.into(),
            prefix: if prefix.is_empty() {
                String::new()
            } else {
                format!("{prefix}/")
            },
        }
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// Checks that the bucket exists and the credentials reach it: misconfiguration fails at
    /// start-up, not on the first batch.
    pub async fn check(&self) -> Result<(), String> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }

    pub fn object_key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    pub async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        let key = self.object_key(key);
        if bytes.len() <= MULTIPART_THRESHOLD {
            return self
                .client
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .body(ByteStream::from(bytes))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| describe(&e));
        }
        self.put_multipart(&key, bytes).await
    }

    async fn put_multipart(&self, key: &str, bytes: Vec<u8>) -> Result<(), String> {
        let upload = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| describe(&e))?;
        let upload_id = upload
            .upload_id
            .ok_or("CreateMultipartUpload returned no upload id")?;
        let result = self.upload_parts(key, &upload_id, bytes).await;
        if result.is_err() {
            // Best effort: a failed abort leaves parts the bucket's lifecycle rule removes.
            let _ = self
                .client
                .abort_multipart_upload()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(&upload_id)
                .send()
                .await;
        }
        result
    }

    async fn upload_parts(&self, key: &str, upload_id: &str, bytes: Vec<u8>) -> Result<(), String> {
        let mut parts = Vec::new();
        for (index, chunk) in bytes.chunks(PART_BYTES).enumerate() {
            let number = index as i32 + 1;
            let part = self
                .client
                .upload_part()
                .bucket(&self.bucket)
                .key(key)
                .upload_id(upload_id)
                .part_number(number)
                .body(ByteStream::from(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| describe(&e))?;
            parts.push(
                CompletedPart::builder()
                    .part_number(number)
                    .set_e_tag(part.e_tag)
                    .build(),
            );
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| describe(&e))
    }
}
