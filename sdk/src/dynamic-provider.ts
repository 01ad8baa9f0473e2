/**
 * What the dynamic-provider host loads through SERIALIZED_PROVIDER. The host resolves that
 * `require` from the program's folder, where this package is a direct dependency; @ablo/provider
 * is not always reachable from there, as an installed tarball bundles it inside this package
 * (node_modules/@ablo/pulumi/node_modules/@ablo/provider).
 */
export { datasourceProvider } from "@ablo/provider";
