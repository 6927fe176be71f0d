export * from './secret-cipher';
export * from './signing.errors';
export * from './signing.options';
export * from './subscription-secrets';
export * from './webhook-secret.util';
export * from './webhook-signature';
export * from './webhook-secret-list';
