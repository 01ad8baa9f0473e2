import { createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate, type KeyObject } from "node:crypto";
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import forge from "node-forge";
import { ConfigError } from "./errors";

/**
 * Certificates for `serve --tls`. Why a local CA rather than one self-signed certificate: clients
 * trust a CA the ordinary way (NODE_EXTRA_CA_CERTS, a system store), and since the CA is kept in
 * `<data>/tls/` and reused on every start, a CA trusted once stays trusted while the server
 * certificate under it can be reissued. The CA is name-constrained to loopback names, so trusting
 * it (or its key leaking from the data directory) vouches for nothing but this machine.
 * node:crypto makes the keys and checks what is on disk, but cannot issue certificates:
 * node-forge builds and signs them.
 */
const TLS_DIR = "tls";
const CA_CERT_FILE = "ca.pem";
const CA_KEY_FILE = "ca-key.pem";
const SERVER_CERT_FILE = "server.pem";
const SERVER_KEY_FILE = "server-key.pem";

/** What the server certificate names: every way a local client spells this machine. */
const SERVER_NAMES = { ips: ["127.0.0.1", "::1"], dns: ["localhost"] } as const;

const DAY_MS = 86_400_000;
const CA_DAYS = 3650;
/** Within what browsers accept (398 days) for any client that applies that rule to private CAs too. */
const SERVER_DAYS = 397;
/** A server certificate closer than this to its end is reissued at start. */
const RENEW_BEFORE_DAYS = 30;

export interface TlsMaterial {
  /** PEM, for https.createServer. */
  key: string;
  cert: string;
  /** `<data>/tls/ca.pem`: what clients must trust. */
  caPath: string;
  /** What this start wrote: nothing when everything on disk was reused. */
  created: Array<"ca" | "server">;
}

/** Loads `<data>/tls/`, creating the CA on first use and (re)issuing the server certificate when needed. */
export function loadOrCreateTls(dataDir: string, now: Date = new Date()): TlsMaterial {
  const dir = join(dataDir, TLS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const created: TlsMaterial["created"] = [];
  const caPath = join(dir, CA_CERT_FILE);

  let ca: { cert: X509Certificate; key: KeyObject };
  // ca.pem is written last: without it, a key alone is a start that never finished.
  if (existsSync(caPath)) {
    ca = { cert: readCert(caPath), key: readKey(join(dir, CA_KEY_FILE)) };
    const problem = !ca.cert.ca
      ? "is not a CA certificate"
      : !ca.cert.checkPrivateKey(ca.key)
        ? `does not match ${CA_KEY_FILE}`
        : new Date(ca.cert.validTo).getTime() <= now.getTime()
          ? "has expired"
          : undefined;
    if (problem) throw new ConfigError(`${caPath} ${problem}: remove ${dir} to make a new CA (and trust the new ca.pem)`);
  } else {
    ca = issueCa(now);
    writeSecret(join(dir, CA_KEY_FILE), pemOfKey(ca.key));
    writePublic(caPath, ca.cert.toString());
    created.push("ca");
  }

  const certPath = join(dir, SERVER_CERT_FILE);
  const keyPath = join(dir, SERVER_KEY_FILE);
  if (created.length === 0 && existsSync(certPath) && existsSync(keyPath)) {
    const cert = readCert(certPath);
    const key = readKey(keyPath);
    if (serverCertUsable(cert, key, ca.cert, now)) return { key: pemOfKey(key), cert: cert.toString(), caPath, created };
  }
  const server = issueServer(ca, now);
  writeSecret(keyPath, pemOfKey(server.key));
  writePublic(certPath, server.cert.toString());
  created.push("server");
  return { key: pemOfKey(server.key), cert: server.cert.toString(), caPath, created };
}

function serverCertUsable(cert: X509Certificate, key: KeyObject, caCert: X509Certificate, now: Date): boolean {
  return (
    cert.checkIssued(caCert) &&
    cert.verify(caCert.publicKey) &&
    cert.checkPrivateKey(key) &&
    new Date(cert.validFrom).getTime() <= now.getTime() &&
    new Date(cert.validTo).getTime() - now.getTime() > RENEW_BEFORE_DAYS * DAY_MS &&
    SERVER_NAMES.ips.every((ip) => cert.checkIP(ip) !== undefined) &&
    SERVER_NAMES.dns.every((name) => cert.checkHost(name) !== undefined)
  );
}

function issueCa(now: Date): { cert: X509Certificate; key: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = newCertificate(publicKey, now, CA_DAYS);
  // A serial fragment in the name tells several ablo-local CAs in one trust store apart.
  const subject = [
    { name: "commonName", value: `ablo-local CA ${cert.serialNumber.slice(0, 8)}` },
    { name: "organizationName", value: "ablo-local" },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
    { id: "2.5.29.30", critical: true, value: loopbackNameConstraints() },
  ]);
  cert.sign(forgeKey(privateKey), forge.md.sha256.create());
  return { cert: toX509(cert), key: privateKey };
}

function issueServer(ca: { cert: X509Certificate; key: KeyObject }, now: Date): { cert: X509Certificate; key: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const cert = newCertificate(publicKey, now, SERVER_DAYS);
  const caCert = forge.pki.certificateFromPem(ca.cert.toString());
  cert.setSubject([{ name: "commonName", value: "localhost" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    { name: "subjectAltName", altNames: [...SERVER_NAMES.dns.map((value) => ({ type: 2, value })), ...SERVER_NAMES.ips.map((ip) => ({ type: 7, ip }))] },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forgeKey(ca.key), forge.md.sha256.create());
  return { cert: toX509(cert), key: privateKey };
}

function newCertificate(publicKey: KeyObject, now: Date, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString());
  // 16 random bytes, positive and without a leading zero byte (DER integers are minimal).
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x40;
  cert.serialNumber = serial.toString("hex");
  // Backdated a little: a client whose clock is slightly behind still accepts a fresh certificate.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
  return cert;
}

/** NameConstraints (RFC 5280 4.2.1.10) permitting localhost, 127.0.0.0/8 and ::1 only. */
function loopbackNameConstraints(): forge.asn1.Asn1 {
  const { asn1 } = forge;
  const subtree = (tag: number, bytes: Buffer | string) =>
    asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
      asn1.create(asn1.Class.CONTEXT_SPECIFIC, tag, false, typeof bytes === "string" ? bytes : bytes.toString("binary")),
    ]);
  const ipv6Loopback = Buffer.alloc(16);
  ipv6Loopback[15] = 1;
  const permitted = [
    subtree(2, "localhost"), // dNSName: localhost and names under it
    subtree(7, Buffer.from([127, 0, 0, 0, 255, 0, 0, 0])), // iPAddress 127.0.0.0/8
    subtree(7, Buffer.concat([ipv6Loopback, Buffer.alloc(16, 0xff)])), // iPAddress ::1/128
  ];
  return asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [asn1.create(asn1.Class.CONTEXT_SPECIFIC, 0, true, permitted)]);
}

const forgeKey = (key: KeyObject) => forge.pki.privateKeyFromPem(key.export({ type: "pkcs1", format: "pem" }).toString());
const toX509 = (cert: forge.pki.Certificate) => new X509Certificate(forge.pki.certificateToPem(cert));
const pemOfKey = (key: KeyObject) => key.export({ type: "pkcs8", format: "pem" }).toString();

function readCert(path: string): X509Certificate {
  try {
    return new X509Certificate(readFileSync(path));
  } catch (e) {
    throw new ConfigError(`${path} is not a PEM certificate (${(e as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
}

function readKey(path: string): KeyObject {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw new ConfigError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code}`);
  }
  try {
    // Like ssh with private keys, and like master.key: refuse a key that others may read.
    if ((fstatSync(fd).mode & 0o077) !== 0) throw new ConfigError(`${path} is readable by group or others: chmod 600 it`);
    return createPrivateKey(readFileSync(fd));
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError(`${path} is not a PEM private key`);
  } finally {
    closeSync(fd);
  }
}

/** Written whole under a temporary name, then renamed: a reader never sees half a file. */
function writeAtomically(path: string, text: string, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`;
  rmSync(tmp, { force: true }); // left by a crash: never write a key into a file made by someone else
  writeFileSync(tmp, text, { mode, flag: "wx" });
  chmodSync(tmp, mode); // the umask may have narrowed it, never widened: make it exact
  renameSync(tmp, path);
}

const writeSecret = (path: string, text: string) => writeAtomically(path, text, 0o600);
const writePublic = (path: string, text: string) => writeAtomically(path, text, 0o644);
