/** Why a contact was refused: the field's value is not one of the offices. */
export const unknownOfficeMessage = (office: unknown, offices: readonly string[]): string =>
  `office ${JSON.stringify(office)} is not an office of the sample organisation: use one of ${offices.join(', ')}`;

/** Why a contact was refused: no usable name. */
export const contactNameMessage = (): string => 'name must be a non-empty string of at most 255 characters';

/** Why a contact was refused: the e-mail address has no "@". */
export const contactEmailMessage = (email: unknown): string =>
  `email ${JSON.stringify(email)} is not an e-mail address (expected something like "bob@noaa.gov")`;

/** No contact has this id. */
export const contactNotFoundMessage = (id: number): string => `contact ${id} does not exist (GET /contacts lists them)`;
