export type {
  AddressClassification,
  AddressRange,
  AddressTier,
  Ipv4Embedding,
} from './address.classifier';
export { addressTier, classifyAddress, parseIpAddress } from './address.classifier';
export { AddressPolicy, parseAllowedCidrs } from './address.policy';
export type { CidrRange, AddressVerdict } from './address.policy';
export type { ResolvedDestination, WebhookResolver } from './destination.interface';
export { DESTINATION_GUARD_DEFAULTS, type DestinationGuardOptions, WebhookDestinationGuard } from '../../deliver/destination.guard';
export { destinationUnverifiedMessage } from './destination.messages';
export { systemWebhookResolver } from './host-lookup.util';
export {
  WebhookDestinationError,
  type WebhookDestinationErrorDetails,
  type WebhookDestinationErrorKind,
} from '../errors/webhook-destination.error';
export { REDACTED, redactHeaders, redactResponseHeaders } from './header-redaction.util';
export { assertPayloadSize } from './payload-size.limit';
export { WebhookPayloadTooLargeError } from '../errors/webhook-payload-too-large.error';
