import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A self-signed certificate for localhost (openssl), its key and certificate written where named. */
export async function selfSignedCertificate(keyFile: string, certificateFile: string, days = 2): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    String(days),
    '-subj',
    '/CN=localhost',
    '-keyout',
    keyFile,
    '-out',
    certificateFile,
  ]);
}
