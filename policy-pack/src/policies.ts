/**
 * The CrossGuard policies: thin adapters from @pulumi/policy's validateResource to the pure rules
 * in rules.ts. Reading `args.props.connectionString` goes through the policy SDK's unknown-checking
 * proxy, which throws UnknownValueError for a value not known at preview; the SDK then reports the
 * check as advisory ("can't run policy … during preview"). We make that case explicit: the
 * mandatory rule throws its own UnknownValueError carrying a message that says the check runs at
 * apply, and the advisory rules stay silent until then.
 */
import * as policySdk from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import * as pulumi from "@pulumi/pulumi";
import type { ReportViolation, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import {
  CONNECTION_STRING_PROPERTY,
  DATASOURCE_TYPES,
  POLICY,
  publicHostRule,
  sslModeRule,
  superuserRoleRule,
  type InputValue,
  type Outcome,
  type PublicHostConfig,
  type SuperuserRoleConfig,
} from "./rules";

// @pulumi/policy 1.21 ships UnknownValueError and the unknown sentinels at runtime but declares
// them as internal (proxy.d.ts is empty): type them here.
type UnknownValueErrorClass = new (unknownTypeSentinel: string, path: string[]) => Error;
const { UnknownValueError } = policySdk as unknown as { UnknownValueError: UnknownValueErrorClass };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxyInternals = require("@pulumi/policy/proxy") as { unknownStringValue?: string };
/** The SDK's sentinel for a string not known during preview (the engine's, which @pulumi/pulumi exports). */
export const UNKNOWN_STRING: string = proxyInternals.unknownStringValue ?? unknownValue;

/** An UnknownValueError with our own words (the SDK prefixes "can't run policy … during preview: "). */
export class CheckRunsAtApply extends UnknownValueError {
  constructor(message: string) {
    super(UNKNOWN_STRING, [CONNECTION_STRING_PROPERTY]);
    this.message = message;
    this.name = "CheckRunsAtApply";
  }
}

function isPreview(): boolean {
  try {
    return pulumi.runtime.isDryRun();
  } catch {
    return false;
  }
}

export const isUnknownValueError = (e: unknown): boolean => e instanceof UnknownValueError;

/**
 * Reads the input without letting an unknown value escape as an exception. At preview
 * (pulumi.runtime.isDryRun(), from PULUMI_NODEJS_DRY_RUN) a missing value also counts as not known
 * yet: the engine may drop an unknown input rather than send the sentinel.
 */
export function readInput(props: Record<string, unknown>, key: string = CONNECTION_STRING_PROPERTY, dryRun: boolean = isPreview()): InputValue {
  try {
    const value = props[key];
    if (value === UNKNOWN_STRING || (value === undefined && dryRun)) return { known: false };
    return { known: true, value };
  } catch (e) {
    if (e instanceof UnknownValueError) return { known: false };
    throw e;
  }
}

/** Turns an outcome into the engine's vocabulary. */
function report(outcome: Outcome, reportViolation: ReportViolation, urn: string, pendingIsAdvisoryNote: boolean): void {
  if (outcome.kind === "violation") reportViolation(outcome.message, urn);
  else if (outcome.kind === "pending" && pendingIsAdvisoryNote) throw new CheckRunsAtApply(outcome.message);
}

type Rule = (args: ResourceValidationArgs) => Outcome;

function validate(rule: Rule, pendingIsAdvisoryNote: boolean) {
  return (args: ResourceValidationArgs, reportViolation: ReportViolation): void => {
    if (!DATASOURCE_TYPES.includes(args.type)) return;
    report(rule(args), reportViolation, args.urn, pendingIsAdvisoryNote);
  };
}

const stringList = (description: string) => ({
  type: "array" as const,
  items: { type: "string" as const, maxLength: 255 },
  maxItems: 256,
  default: [],
  description,
});

const publicHostPolicy: ResourceValidationPolicy = {
  name: POLICY.publicHost,
  description:
    "An Ablo datasource's connectionString must only name public hosts: no loopback, private, link-local, shared, metadata, " +
    "documentation, multicast or reserved address in any spelling, no unix socket, no host/hostaddr redirect, no file-reading parameter.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      allowedCidrs: stringList("CIDRs admitted even though not public, e.g. a peered network (IPv4 as a.b.c.d/n)."),
      allowedHosts: stringList("Host names, or *.suffix, admitted even though their name looks private."),
      allowLoopback: { type: "boolean", default: false, description: "Admit loopback hosts only (local demos)." },
    },
  },
  validateResource: validate((args) => publicHostRule(args.name, readInput(args.props), args.getConfig<PublicHostConfig>()), true),
};

const sslModePolicy: ResourceValidationPolicy = {
  name: POLICY.sslMode,
  description: "An Ablo datasource's connectionString should set sslmode to require, verify-ca or verify-full.",
  enforcementLevel: "advisory",
  validateResource: validate((args) => sslModeRule(args.name, readInput(args.props)), false),
};

const superuserRolePolicy: ResourceValidationPolicy = {
  name: POLICY.superuserRole,
  description: "An Ablo datasource should not connect as a superuser or a managed service's administrator role.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: {
      additionalRoles: stringList("More role names to flag, compared case-insensitively."),
    },
  },
  validateResource: validate((args) => superuserRoleRule(args.name, readInput(args.props), args.getConfig<SuperuserRoleConfig>()), false),
};

export const policies: ResourceValidationPolicy[] = [publicHostPolicy, sslModePolicy, superuserRolePolicy];
