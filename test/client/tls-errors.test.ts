// The mapping of refused server certificates (pure; the real handshake is in test/server/tls.test.ts).
import { AbloConnectionError } from "@ablo/client";
import { isRetryableNetworkCode } from "../../client/src/retry";
import { tlsErrorFromThrown, TLS_UNTRUSTED } from "../../client/src/tls-errors";

const where = "POST /v1/datasources";
const coded = (code: string, message = "secret sk_test_abc postgres://u:pw@h/db") => Object.assign(new Error(message), { code });

test.each([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_UNTRUSTED",
])("%s: not trusted, with the NODE_EXTRA_CA_CERTS hint", (code) => {
  const e = tlsErrorFromThrown(coded(code), where, "https://127.0.0.1:8787");
  expect(e).toBeInstanceOf(AbloConnectionError);
  expect(e).toMatchObject({ type: "connection_error", code: TLS_UNTRUSTED });
  expect(e!.message).toBe(
    `POST /v1/datasources: the TLS certificate of 127.0.0.1:8787 is not trusted (${code}). If the API uses a private CA, point NODE_EXTRA_CA_CERTS at its certificate (ablo-local: <data>/tls/ca.pem)`,
  );
});

test("a wrong name and dates out of range are tls_untrusted too, each saying why", () => {
  const name = tlsErrorFromThrown(coded("ERR_TLS_CERT_ALTNAME_INVALID"), where, "https://api.example.com/base");
  expect(name).toMatchObject({
    code: TLS_UNTRUSTED,
    message: expect.stringMatching(
      /^POST \/v1\/datasources: the TLS certificate of api\.example\.com:443 does not name api\.example\.com \(ERR_TLS_CERT_ALTNAME_INVALID\)/,
    ),
  });
  for (const code of ["CERT_HAS_EXPIRED", "CERT_NOT_YET_VALID"]) {
    expect(tlsErrorFromThrown(coded(code), where, "https://[::1]:9000")).toMatchObject({
      code: TLS_UNTRUSTED,
      message: expect.stringContaining(`certificate of [::1]:9000 is not valid at this time (${code})`),
    });
  }
});

test("the code may sit on the cause; other errors are left alone; the thrown message never shows", () => {
  const wrapped = Object.assign(new Error("wrapper"), { cause: coded("SELF_SIGNED_CERT_IN_CHAIN") });
  const e = tlsErrorFromThrown(wrapped, where, "https://127.0.0.1:1");
  expect(e?.code).toBe(TLS_UNTRUSTED);
  expect(JSON.stringify(e)).not.toMatch(/sk_test|pw@|wrapper/);
  for (const other of [coded("ECONNRESET"), coded("EPROTO"), new Error("x"), undefined, null, "text", { code: 42 }]) {
    expect(tlsErrorFromThrown(other, where, "https://127.0.0.1:1")).toBeUndefined();
  }
});

test("tls_untrusted is not retried", () => {
  expect(isRetryableNetworkCode(TLS_UNTRUSTED)).toBe(false);
});
