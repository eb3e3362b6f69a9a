// Characters XML 1.0 cannot carry at all, even as references (C0 controls except tab/LF/CR,
// lone surrogates, U+FFFE/U+FFFF). Target output is arbitrary, so they become U+FFFD.
const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Escapes text content of an element. */
export function escapeXmlText(value: string): string {
  return value.replace(INVALID_XML_CHARS, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Escapes an attribute value (for double- or single-quoted attributes). Tabs and line breaks
 * become character references, since parsers would otherwise normalise them to spaces.
 */
export function escapeXmlAttribute(value: string): string {
  return escapeXmlText(value)
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}
