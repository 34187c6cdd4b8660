'use strict';

// Preloaded into s3rver 3.7.1 (node --require) by NodeEmulatorProcess, to make it read what
// real S3 reads. Nothing here changes what s3rver stores or answers otherwise.
//
// CopyObject: s3rver reads x-amz-copy-source with decodeURI, which leaves the reserved
// characters encoded ("%2F", "%2B", "%3D", …), then splits bucket from key on "/". AWSSDK.S3
// 4.x percent-encodes them, as S3 allows, so a copy of "uploads/a+b.dcm" would miss. The
// reserved escapes are decoded here (decodeURI then decodes the rest, as before), inside the
// copy handler, after s3rver's access-key check.
const objectController = require(require.resolve('s3rver/lib/controllers/object.js', { paths: [process.cwd()] }));
const putObjectCopy = objectController.putObjectCopy;

objectController.putObjectCopy = function putObjectCopyWithReservedCharacters(ctx) {
  const source = ctx.headers['x-amz-copy-source'];
  if (typeof source === 'string') {
    ctx.headers['x-amz-copy-source'] = source.replace(/%(2F|2B|3D|3B|3A|40|26|24|2C|3F|23)/gi, (escape) => decodeURIComponent(escape));
  }

  return putObjectCopy.call(this, ctx);
};
