import { isRpcSecret, specialSecretSig, specialSigKey, unwrapRpcSecret } from "@pulumi/pulumi/runtime/rpc";

/**
 * Property values as the engine sends them to a provider that accepts secrets: a secret is the
 * object `{ <sig key>: <secret sig>, value }`, an unknown value (preview) a fixed string. The core
 * works on plain values; the plugin reveals them on the way in and marks them again on the way out.
 */
export type Props = Record<string, unknown>;

type SecretValue = { [specialSigKey]: typeof specialSecretSig; value: unknown };
const isSecret = (v: unknown): v is SecretValue => isRpcSecret(v);

function unwrap(v: unknown): { value: unknown; secret: boolean } {
  if (isSecret(v)) return { value: unwrap(unwrapRpcSecret(v)).value, secret: true };
  if (Array.isArray(v)) {
    const items = v.map(unwrap);
    return { value: items.map((i) => i.value), secret: items.some((i) => i.secret) };
  }
  if (typeof v === "object" && v !== null) {
    const entries = Object.entries(v).map(([k, x]) => [k, unwrap(x)] as const);
    return { value: Object.fromEntries(entries.map(([k, x]) => [k, x.value])), secret: entries.some(([, x]) => x.secret) };
  }
  return { value: v, secret: false };
}

/** Plain values, and the top-level keys that held a secret anywhere inside. */
export function reveal(props: Props | undefined): { values: Props; secretKeys: Set<string> } {
  const values: Props = {};
  const secretKeys = new Set<string>();
  for (const [k, v] of Object.entries(props ?? {})) {
    const u = unwrap(v);
    values[k] = u.value;
    if (u.secret) secretKeys.add(k);
  }
  return { values, secretKeys };
}

const secret = (value: unknown): SecretValue => ({ [specialSigKey]: specialSecretSig, value });

/**
 * Marks `keys` of `props` secret, whole. A property the program gave as a secret stays one in what
 * the provider returns (the engine stores what it is given), and so does what is always secret.
 */
export function conceal(props: Props, keys: Iterable<string>): Props {
  const out: Props = { ...props };
  for (const k of keys) if (out[k] !== undefined && !isSecret(out[k])) out[k] = secret(out[k]);
  return out;
}

/** Drops undefined values, which a protobuf Struct cannot carry. */
export function defined(props: Props): Props {
  return Object.fromEntries(Object.entries(props).filter(([, v]) => v !== undefined));
}
