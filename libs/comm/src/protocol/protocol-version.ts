/**
 * Version of the wire protocol in every header's `protocol` field. Bump it
 * whenever a message's fields or meaning change; a peer speaking another
 * version is refused with a `wrong-version` ProtocolError.
 */
export const PROTOCOL_VERSION = 1;
