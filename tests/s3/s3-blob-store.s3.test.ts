// The shared BlobStore suite against a REAL S3-compatible store (AWS S3, MinIO, Ceph RGW):
// `npm run test:s3` with DUALREC_TEST_S3_BUCKET (a scratch bucket created WITH Object Lock and
// WITHOUT a default retention), DUALREC_TEST_S3_ENDPOINT / _REGION / _FORCE_PATH_STYLE as needed,
// and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY in the environment. Not part of `npm test`: no S3
// server can run on the build machines. The objects it writes stay locked for up to two minutes.
import { randomBytes } from 'node:crypto';
import { S3BlobStore } from '../../src/server/storage/s3-blob-store.js';
import { s3ConfigFromEnv } from '../../src/server/storage/s3-config.js';
import { blobStoreSuite } from '../integration/blob-store.suite.js';

const config = s3ConfigFromEnv(process.env, 'DUALREC_TEST_S3_');
if (!config) throw new Error('npm run test:s3 needs DUALREC_TEST_S3_BUCKET (and _ENDPOINT, _REGION, _FORCE_PATH_STYLE for MinIO) plus AWS credentials in the environment');
const run = `dualrec-test-${new Date().toISOString().slice(0, 10)}-${randomBytes(4).toString('hex')}`;
let n = 0;

blobStoreSuite(`S3 (${config.endpoint ?? 'AWS'} bucket ${config.bucket})`, async () => new S3BlobStore({ ...config, prefix: `${config.prefix}${run}/${n++}/` }));
