export * from './secret.cipher';
export * from '../errors/signing.errors';
export * from '../../options/signing.options';
export * from './subscription-secrets.util';
export * from './webhook-secret.util';
export * from './webhook-signature.util';
export * from './webhook-secret.list';
