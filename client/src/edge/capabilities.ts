import { METHOD_NAMES } from '@geofed/shared/config/method';
import { modelSpecSchema } from '@geofed/shared/models/modelSpec';

/**
 * What this client code can train, as its Join advertises (Capabilities.methods and model_types): every method
 * runRoundTask implements and every model type buildModel builds. A coordinator running anything else refuses
 * the client at Join instead of failing it every round.
 */
export const CLIENT_METHODS: readonly string[] = [...METHOD_NAMES];
export const CLIENT_MODEL_TYPES: readonly string[] = modelSpecSchema.options.map((o) => o.shape.type.value);
