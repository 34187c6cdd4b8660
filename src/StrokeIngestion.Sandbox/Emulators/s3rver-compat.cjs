'use strict';

// Preloaded into s3rver 3.7.1 (node --require) by NodeEmulatorProcess, to make it read what
// real S3 reads. Nothing here changes what s3rver stores or answers otherwise.
//
// CopyObject: s3rver reads x-amz-copy-source with decodeURI, which leaves "%2F" encoded, and
// then splits bucket from key on "/". AWSSDK.S3 4.x percent-encodes that slash, as S3 allows.
// The header is rewritten inside the copy handler, after authentication, so the signature is
// still checked against the header exactly as the client signed it.
const objectController = require(require.resolve('s3rver/lib/controllers/object.js', { paths: [process.cwd()] }));
const putObjectCopy = objectController.putObjectCopy;

objectController.putObjectCopy = function putObjectCopyWithEncodedSlash(ctx) {
  const source = ctx.headers['x-amz-copy-source'];
  if (typeof source === 'string') {
    ctx.headers['x-amz-copy-source'] = source.replace(/%2F/gi, '/');
  }

  return putObjectCopy.call(this, ctx);
};
