import 'reflect-metadata';
import { WebhooksConfigurationError } from '../../core/errors/webhooks.errors';
import type { WebhookPayloadShaperOptions } from '../../options/payload-shaper.interface';
import { type NormalizedShaperOptions, validateShaperOptions } from '../../options/payload-shaper.validation';
import { WEBHOOK_PAYLOAD_SHAPER_METADATA } from '../../core/payload.constants';
import { shaperNotMethodMessage } from '../../options/payload.messages';

/**
 * Declares a method of a provider as a payload shaper, so that what a receiver gets is decided in one
 * place rather than by every caller that raises the event: it is called with the object of an event and a {@link WebhookShapeContext}, and returns the payload to send
 * (or `undefined` to let the next shaper decide). A method may carry several of these.
 *
 * ```ts
 * @Injectable()
 * export class EmployeePayloads {
 *   @WebhookPayloadShaper({ for: Employee })
 *   summary(employee: Employee) { return { name: employee.name }; }
 *
 *   @WebhookPayloadShaper({ for: Employee, event: 'employee.create', dialect: 'standard' })
 *   created(employee: Employee) { return { name: employee.name, hiredAt: employee.hiredAt }; }
 * }
 * ```
 *
 * See {@link WebhookPayloadShaperOptions} for the priority rules.
 */
export function WebhookPayloadShaper(options: WebhookPayloadShaperOptions): MethodDecorator {
  // Checked here, where the class is defined, so the stack points at the mistake.
  const normalized = validateShaperOptions(options, '@WebhookPayloadShaper()', false);
  return (target, propertyKey, descriptor) => {
    const isStatic = typeof target === 'function';
    const method = descriptor?.value as unknown;
    if (isStatic || typeof method !== 'function') {
      const owner = isStatic ? target.name : target.constructor.name;
      throw new WebhooksConfigurationError(
        shaperNotMethodMessage(`${owner}.${String(propertyKey)}`, isStatic),
        '@WebhookPayloadShaper()',
      );
    }
    const list =
      (Reflect.getOwnMetadata(WEBHOOK_PAYLOAD_SHAPER_METADATA, method) as NormalizedShaperOptions[] | undefined) ?? [];
    // Decorators run bottom-up; prepending keeps the list in the order they are written.
    Reflect.defineMetadata(WEBHOOK_PAYLOAD_SHAPER_METADATA, [normalized, ...list], method);
  };
}
