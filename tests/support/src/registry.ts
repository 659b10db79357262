// A real OCI registry for tests: CNCF distribution (Debian's `docker-registry`) on a free
// loopback port with a throwaway storage folder, and, for token auth, a real token service.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @peculiar/x509 resolves its algorithms through tsyringe, which needs this polyfill loaded first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import bcrypt from 'bcryptjs';
import { SignJWT } from 'jose';

/** Accounts as username → password. */
export type Users = Readonly<Record<string, string>>;

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`, as an `OciStore`'s `registry`. */
  readonly address: string;
  /** Where the registry keeps its files, to damage them on purpose. */
  readonly storageDir: string;
  /** The file holding a blob's bytes in the registry's storage. */
  blobFile(digest: string): string;
  /** Stops the registry, waits for it to exit, and deletes its files. */
  stop(): Promise<void>;
}

/** A running token service that the registry trusts. */
export interface TestTokenService {
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  /** PEM file of the certificate whose key signs the tokens. */
  readonly certFile: string;
  /** Each token issued: the account and the scopes it was asked for. */
  readonly issued: readonly { readonly account: string; readonly scopes: readonly string[] }[];
  stop(): Promise<void>;
}

/** How the registry authenticates. */
export type RegistryAuth = { readonly basic: Users } | { readonly token: TestTokenService };

async function freePort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

function registryBinary(): string {
  return process.env.WITKIT_DOCKER_REGISTRY ?? 'docker-registry';
}

/** Stops a child process and waits until it has exited. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `docker-registry serve` on a free loopback port and resolves once `/v2/` answers.
 * Fails (never skips) when the binary is missing: the OCI store must be tested for real.
 */
export async function startRegistry(auth?: RegistryAuth): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'witkit-registry-'));
  const storageDir = join(dir, 'storage');
  mkdirSync(storageDir);
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  let authYaml = '';
  if (auth && 'basic' in auth) {
    const htpasswd = join(dir, 'htpasswd');
    writeFileSync(
      htpasswd,
      Object.entries(auth.basic)
        .map(([user, password]) => `${user}:${bcrypt.hashSync(password, 6)}\n`)
        .join(''),
    );
    authYaml = `auth:\n  htpasswd:\n    realm: witkit-test\n    path: ${htpasswd}\n`;
  } else if (auth && 'token' in auth) {
    const t = auth.token;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certFile}\n`;
  }
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${storageDir}
http:
  addr: ${address}
  secret: ${randomUUID()}
${authYaml}`,
  );

  const child = spawn(registryBinary(), ['serve', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `cannot run \`${registryBinary()}\` (${error.message}); install it: apt-get install -y docker-registry (./bootstrap.sh does it)`,
        ),
      ),
    );
    child.once('exit', (code, signal) =>
      reject(new Error(`docker-registry exited (${code ?? signal}) before answering:\n${output}`)),
    );
  });
  failed.catch(() => {});
  const ready = (async () => {
    for (;;) {
      const answered = await fetch(`http://${address}/v2/`).then(
        () => true,
        () => false,
      );
      if (answered) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  })();
  try {
    await Promise.race([ready, failed]);
  } catch (error) {
    await stopProcess(child);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    address,
    storageDir,
    blobFile: (digest) => {
      const hex = digest.replace(/^sha256:/, '');
      return join(storageDir, 'docker/registry/v2/blobs/sha256', hex.slice(0, 2), hex, 'data');
    },
    async stop() {
      child.removeAllListeners('exit');
      await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Starts a token service of the kind distribution's `auth.token` expects: it checks basic
 * credentials and answers with an ES256 JWT whose `x5c` header carries the self-signed
 * certificate the registry is given as its `rootcertbundle`, granting the scopes asked for.
 */
export async function startTokenService(users: Users): Promise<TestTokenService> {
  const dir = mkdtempSync(join(tmpdir(), 'witkit-token-'));
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  x509.cryptoProvider.set(crypto);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=witkit test token issuer',
    notBefore: new Date(Date.now() - 3_600_000),
    notAfter: new Date(Date.now() + 24 * 3_600_000),
    signingAlgorithm: algorithm,
    keys,
  });
  const certFile = join(dir, 'token-issuer.pem');
  writeFileSync(certFile, cert.toString('pem'));
  const x5c = [Buffer.from(cert.rawData).toString('base64')];
  const service = 'witkit-test-registry';
  const issuer = 'witkit-test-issuer';
  const issued: { account: string; scopes: string[] }[] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://token');
      const [scheme, encoded] = (req.headers.authorization ?? '').split(' ');
      const [user, password] = Buffer.from(encoded ?? '', 'base64')
        .toString()
        .split(':');
      if (scheme !== 'Basic' || user === undefined || users[user] !== password) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ details: 'wrong username or password' }));
        return;
      }
      const scopes = url.searchParams.getAll('scope');
      issued.push({ account: user, scopes });
      const access = scopes.map((scope) => {
        const [type, name, actions] = scope.split(':');
        return { type, name, actions: (actions ?? '').split(',') };
      });
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ access })
        .setProtectedHeader({ alg: 'ES256', typ: 'JWT', x5c })
        .setIssuer(issuer)
        .setSubject(user)
        .setAudience(service)
        .setIssuedAt(now)
        .setNotBefore(now - 10)
        .setExpirationTime(now + 300)
        .setJti(randomUUID())
        .sign(keys.privateKey);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }),
      );
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    realm: `http://127.0.0.1:${port}/token`,
    service,
    issuer,
    certFile,
    issued,
    async stop() {
      server.close();
      server.closeAllConnections();
      await once(server, 'close');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
