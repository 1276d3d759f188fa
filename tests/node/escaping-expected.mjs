// What the escaping fixture (tests/escaping/, rendered from
// tests/escaping/specs/escaping.yaml) must send, written out here with
// JavaScript's own escapes, independently of the spec's YAML and of the
// generated Rust: if gatesmith mangled a string on its way into Rust, the
// page's JSON or the page, what arrives differs from these.
//
// Shared by escaping.test.mjs (the Node client) and escaping-page.test.mjs
// (the generated page in Chromium).

export const GATEWAY = 'escaping';

// A namespace is a name: `?` and `#` are part of it, not a query or a hash.
export const NAMESPACE = "/ns \"'<b>`${ns}`?q=1#h</b>";

/** What `on_connect` sends the client whose socket.io id is `id`. */
export const welcome = (id) => ({
  event: 'welcome </script>',
  data: `hello ${id} {{ socket.id }} <b>`,
});

const SAID = "</script>\"'\\";

const NOTE = {
  text: "`${window.pwned = 'payload'}`</script>",
  type: 7,
  '<!-- -->': '-->',
  '😀 emoji': true,
  'a.b': 'a.b',
  ab: 'ab',
  self: ['\u2028', '\u2029'],
};

const NOTE_WITH_EVERY_FIELD = {
  text: 't',
  type: 1,
  '<!-- -->': '',
  '😀 emoji': false,
  'a.b': '',
  ab: '',
  self: [],
  "r#\"raw\"# \\ '": 'raw "#',
};

const RTL = '\u202E🎉\u202C';

/**
 * Every event of the spec, in spec order: its name; the payload the page
 * sends (the spec's `example`; none: the event is emitted without data);
 * and, for the client whose socket.io id is `id`, the ack and the events it
 * then receives (replies, and emissions to all).
 */
export const EVENTS = [
  {
    name: "say 'hi' & <b>there</b>",
    payload: SAID,
    ack: () => `He said "${SAID}", \\ '${SAID}' and {{ payload }}`,
    receives: () => [{ event: "reply \"double\" \\ 'single'", data: SAID }],
  },
  {
    name: "</script><script>window.pwned = 'event'</script>",
    ack: () =>
      "</script><script>window.pwned = 'ack'; alert('ack')</script><!-- <img src=x onerror=\"window.pwned = 'img'\">",
    receives: () => [
      {
        event: "<img src=x onerror=\"window.pwned = 'reply'\">",
        data: {
          '</script>': '<!--',
          "<img src=x onerror=alert('key')>": [
            "</script><script>window.pwned = 'item'</script>",
            "${window.pwned = 'template'}",
            '`',
          ],
          // A computed key: `__proto__: …` would set the prototype instead.
          ['__proto__']: { polluted: true },
        },
      },
    ],
  },
  {
    name: "`${window.pwned = 'backtick'}``",
    payload: NOTE,
    ack: () =>
      "`${payload.text}` is `" +
      NOTE.text +
      '`; <!-- -->: -->; type 7; self ["\u2028","\u2029"]',
    receives: () => [
      {
        event: '`${x}`',
        data: {
          '${k}': NOTE.text,
          '`': 7,
          whole: NOTE,
          list: [true, '{{ payload.text }}', '<ab>'],
        },
      },
    ],
  },
  {
    name: "*/ /* // #[x] r#'raw'# r#",
    ack: (id) => `*/ ${id} /* // #[allow(x)] "# r#"raw"# r##"`,
    receives: () => [{ event: '*/ reply /*', data: '// not a comment */ "# \\" \\\\' }],
  },
  {
    name: 'line\u2028break\u2029next\u0085\x7f',
    payload: 'a\nb\tc\r\n',
    ack: () => 'a\nb\tc\r\n\n\t{{ payload }}\r\n\u2028\u2029\x01\x1b[31m\x7f\x85',
    receives: () => [{ event: '\n', data: { '\n\t': '\r\n', '\u2028': '\u2029' } }],
  },
  {
    name: 'emoji 🎉 שלום مرحبا \u202Eevil\u202C',
    payload: RTL,
    ack: () =>
      `🎉 ${RTL} \u200Fשלום\u200E \u202E${RTL}\u202C مرحبا 👨\u200D👩\u200D👧 \u200B\u00AD\u2060\uFEFF`,
    receives: () => [
      { event: '\u202Eגוף\u202C 🎉', data: { 'שלום': 'עולם', '🎉': ['\u2028', '\u2029'] } },
    ],
  },
  {
    name: 'type',
    payload: 3000000000,
    ack: () => ({ type: 3000000000, fn: true, big: 3000000000, small: -3000000000 }),
    receives: () => [],
  },
  { name: 'self', ack: () => 'self', receives: () => [] },
  { name: 'r#type', ack: () => 'r#type', receives: () => [] },
  {
    name: 'clone',
    payload: [NOTE_WITH_EVERY_FIELD],
    ack: () => [NOTE_WITH_EVERY_FIELD],
    receives: () => [],
  },
  {
    name: '<!--',
    payload: { '{{': 2, '}}y': '}}' },
    ack: () => '2 is {{ payload.{{ }}',
    receives: () => [],
  },
  { name: 'user:join', ack: () => 'user:join', receives: () => [] },
  {
    name: 'userjoin',
    payload: '{{ payload }}',
    ack: () => '{{ payload }} was {{ payload }}',
    receives: () => [],
  },
  {
    name: '{{ payload }}',
    ack: () => '{{ payload }}',
    receives: (id) => [{ event: '{{ socket.id }}', data: `\\${id}` }],
  },
];

/** Every event name the server may send, as the page listens to them. */
export const SERVER_EVENTS = [
  "reply \"double\" \\ 'single'",
  "<img src=x onerror=\"window.pwned = 'reply'\">",
  '`${x}`',
  '*/ reply /*',
  '\n',
  '\u202Eגוף\u202C 🎉',
  '{{ socket.id }}',
  'welcome </script>',
  'exception',
];
