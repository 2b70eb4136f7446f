// Server-sent events read with fetch and a stream reader: EventSource cannot send an Authorization header.
// The parser follows the WHATWG event-stream rules for what the gateway sends: event, data (several lines join with
// "\n"), comments (":" lines, the keepalives) ignored, and an event dispatched at a blank line.

/**
 * A parser that takes text chunks as they arrive (cut anywhere, even inside a line or between "\r" and "\n") and
 * calls onEvent({event, data, id}) per complete event.
 */
export function createSseParser(onEvent) {
  let buffer = '';
  let event = '';
  let data = [];
  let id = null;
  let pendingCr = false;

  function line(l) {
    if (l === '') {
      if (data.length > 0) {
        onEvent({ event: event || 'message', data: data.join('\n'), id });
      }
      event = '';
      data = [];
      return;
    }
    if (l.startsWith(':')) {
      return;
    }
    const colon = l.indexOf(':');
    const field = colon < 0 ? l : l.slice(0, colon);
    let value = colon < 0 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      event = value;
    } else if (field === 'data') {
      data.push(value);
    } else if (field === 'id') {
      id = value;
    }
  }

  return {
    push(chunk) {
      let text = chunk;
      if (pendingCr && text.startsWith('\n')) {
        text = text.slice(1);
      }
      pendingCr = false;
      buffer += text;
      let i;
      while ((i = buffer.search(/\r\n|\r|\n/)) >= 0) {
        const sep = buffer[i] === '\r' && buffer[i + 1] === '\n' ? 2 : 1;
        if (buffer[i] === '\r' && i + 1 === buffer.length) {
          // a "\r" at the end of a chunk may be the first half of "\r\n"
          pendingCr = true;
        }
        line(buffer.slice(0, i));
        buffer = buffer.slice(i + sep);
      }
    },
    /** What is left when the stream ends; an unterminated event is dropped, as the standard says. */
    pending() {
      return buffer;
    },
  };
}

/** Reads a fetch Response's body to its end, feeding the parser; resolves when the stream closes. */
export async function readEventStream(response, onEvent, signal) {
  const parser = createSseParser(onEvent);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      if (signal && signal.aborted) {
        break;
      }
      const { value, done } = await reader.read();
      if (done) {
        break;
      }
      parser.push(decoder.decode(value, { stream: true }));
    }
  } finally {
    try {
      reader.releaseLock();
    } catch {
      // the reader is already released when the request was aborted
    }
  }
}
