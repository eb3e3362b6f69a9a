import { describe, expect, it } from 'vitest';
import { escapeXmlAttribute, escapeXmlText } from './xml.ts';

describe('escapeXmlText', () => {
  it('escapes markup characters, ampersand first', () => {
    expect(escapeXmlText('a < b && c > "d" \'e\'')).toBe('a &lt; b &amp;&amp; c &gt; "d" \'e\'');
    expect(escapeXmlText('&lt;')).toBe('&amp;lt;');
  });

  it('replaces characters XML 1.0 cannot carry, keeps tab/newline and astral characters', () => {
    expect(escapeXmlText('a\u0000b\u0007c\u001bd\uFFFEe')).toBe('a\uFFFDb\uFFFDc\uFFFDd\uFFFDe');
    expect(escapeXmlText('lone \uD800 surrogate')).toBe('lone \uFFFD surrogate');
    expect(escapeXmlText('tab\tnl\ncr\r 😀 é')).toBe('tab\tnl\ncr\r 😀 é');
  });
});

describe('escapeXmlAttribute', () => {
  it('also escapes both quotes and keeps whitespace as character references', () => {
    expect(escapeXmlAttribute(`say "hi" & 'bye'\n\tnext\r`)).toBe('say &quot;hi&quot; &amp; &apos;bye&apos;&#10;&#9;next&#13;');
  });
});
