export { providerService } from "./provider-service";
export { packageSchema } from "./schema";
