//! Which text encoding a file is in, and a reader that turns it into UTF-8 as it streams.

use std::collections::VecDeque;
use std::io::{self, Read};

use encoding_rs::{Decoder, Encoding, UTF_8, UTF_16BE, UTF_16LE};

use crate::ImportError;

/// What the first bytes of a file say about its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextEncoding {
    pub encoding: &'static Encoding,
    /// Length of the byte-order mark the file starts with (0 when none).
    pub bom_len: usize,
}

impl TextEncoding {
    pub fn name(&self) -> &'static str {
        self.encoding.name()
    }
}

/// Decides the encoding from a sample of the file's start (`complete`: the sample is the whole
/// file). A BOM decides; otherwise valid UTF-8 is UTF-8 and anything else is what `chardetng`
/// guesses (Windows-1252 for Latin-1 text: WHATWG treats ISO-8859-1 as its superset).
pub fn detect(sample: &[u8], complete: bool) -> Result<TextEncoding, ImportError> {
    if let Some((encoding, bom_len)) = Encoding::for_bom(sample) {
        return Ok(TextEncoding { encoding, bom_len });
    }
    if looks_binary(sample) {
        return Err(ImportError::Binary);
    }
    let utf8 = match std::str::from_utf8(sample) {
        Ok(_) => true,
        // Cut inside a character at the sample's end: still UTF-8.
        Err(e) => !complete && e.error_len().is_none(),
    };
    if utf8 {
        return Ok(TextEncoding {
            encoding: UTF_8,
            bom_len: 0,
        });
    }
    let mut detector = chardetng::EncodingDetector::new();
    detector.feed(sample, complete);
    Ok(TextEncoding {
        encoding: detector.guess(None, false),
        bom_len: 0,
    })
}

/// NUL bytes or many control characters: no text file a partner exports looks like that (UTF-16
/// without a BOM included: it is refused rather than guessed).
fn looks_binary(sample: &[u8]) -> bool {
    let control = sample
        .iter()
        .filter(|&&b| b == 0 || (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)))
        .count();
    sample.contains(&0) || control * 100 > sample.len().max(1)
}

/// A `Read` of UTF-8 over a `Read` of bytes in any encoding, through `encoding_rs` (malformed
/// input becomes U+FFFD and is counted).
pub struct Utf8Reader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    input_start: usize,
    input_end: usize,
    output: Vec<u8>,
    output_start: usize,
    output_end: usize,
    finished: bool,
    pub replacements: u64,
    /// Bytes read from `inner` so far (progress).
    pub bytes_in: u64,
    /// Line ends of the text handed out so far.
    pub lines: LineCounter,
}

const CHUNK: usize = 64 * 1024;

impl<R: Read> Utf8Reader<R> {
    /// `inner` is positioned after the BOM, if any.
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        let decoder = encoding.new_decoder_without_bom_handling();
        let out_len = decoder
            .max_utf8_buffer_length(CHUNK)
            .unwrap_or(CHUNK * 3 + 16);
        Self {
            inner,
            decoder,
            input: vec![0; CHUNK],
            input_start: 0,
            input_end: 0,
            output: vec![0; out_len],
            output_start: 0,
            output_end: 0,
            finished: false,
            replacements: 0,
            bytes_in: 0,
            lines: LineCounter::default(),
        }
    }

    fn refill(&mut self) -> io::Result<()> {
        while self.output_start == self.output_end && !self.finished {
            if self.input_start == self.input_end {
                let n = self.inner.read(&mut self.input)?;
                self.bytes_in += n as u64;
                self.input_start = 0;
                self.input_end = n;
            }
            let last = self.input_start == self.input_end;
            let (result, read, written, replaced) = self.decoder.decode_to_utf8(
                &self.input[self.input_start..self.input_end],
                &mut self.output,
                last,
            );
            if replaced {
                self.replacements += 1;
            }
            self.input_start += read;
            self.output_start = 0;
            self.output_end = written;
            if last && matches!(result, encoding_rs::CoderResult::InputEmpty) {
                self.finished = true;
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for Utf8Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.refill()?;
        let n = buf.len().min(self.output_end - self.output_start);
        buf[..n].copy_from_slice(&self.output[self.output_start..self.output_start + n]);
        self.output_start += n;
        self.lines.scan(&buf[..n]);
        Ok(n)
    }
}

/// Line numbers of CSV records. The `csv` crate's own positions count `\n` only and point at
/// the end of the previous record (before any blank lines), so the importer counts line ends
/// (`\r\n`, `\n` and a lone `\r`) itself as the text streams past, and keeps only those not yet
/// behind the record being numbered.
#[derive(Debug, Default)]
pub struct LineCounter {
    /// `(start, length)` in the text of line ends after `passed`.
    ends: VecDeque<(u64, u64)>,
    /// Bytes scanned so far.
    scanned: u64,
    /// Line ends before the last numbered position.
    passed: u64,
    /// End of the last line end passed.
    passed_to: u64,
    /// Where the last `\r` was.
    last_cr: Option<u64>,
}

impl LineCounter {
    /// The next piece of the text.
    pub fn scan(&mut self, text: &[u8]) {
        for i in memchr::memchr2_iter(b'\r', b'\n', text) {
            let at = self.scanned + i as u64;
            if text[i] == b'\r' {
                self.last_cr = Some(at);
                self.ends.push_back((at, 1));
            } else if at > 0 && self.last_cr == Some(at - 1) {
                // The `\n` of a `\r\n`: one line end, the one just pushed.
                match self.ends.back_mut() {
                    Some(last) if last.0 == at - 1 => last.1 = 2,
                    // Already passed by a record that began right after the `\r`.
                    _ => self.passed_to = self.passed_to.max(at + 1),
                }
            } else {
                self.ends.push_back((at, 1));
            }
        }
        self.scanned += text.len() as u64;
    }

    /// The 1-based line of the record `csv` reports at byte `position` (the end of the previous
    /// record): line ends before it, then the blank lines right after it. Positions must come
    /// in order.
    pub fn line_at(&mut self, position: u64) -> u64 {
        while let Some(&(start, len)) = self.ends.front() {
            if start >= position {
                break;
            }
            self.passed += 1;
            self.passed_to = start + len;
            self.ends.pop_front();
        }
        let mut cursor = position.max(self.passed_to);
        let mut line = self.passed + 1;
        for &(start, len) in &self.ends {
            if start != cursor {
                break;
            }
            line += 1;
            cursor = start + len;
        }
        line
    }
}

/// Whether `encoding` is one of the UTF-16s (a BOM named it).
pub fn is_utf16(encoding: &'static Encoding) -> bool {
    encoding == UTF_16LE || encoding == UTF_16BE
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn decoding_in_tiny_reads_equals_decoding_at_once() {
        let text = "Zoë,Ångström,naïve café\r\n".repeat(5_000);
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
        let mut reader = Utf8Reader::new(&bytes[..], encoding_rs::WINDOWS_1252);
        let mut out = Vec::new();
        let mut buf = [0u8; 7];
        loop {
            let n = reader.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
        }
        assert_eq!(String::from_utf8(out).unwrap(), text);
        assert_eq!(reader.replacements, 0);
    }

    #[test]
    fn lines_count_every_kind_of_line_end_and_skip_blank_lines() {
        // Records as `csv` reports them: the byte after the previous record's terminator.
        let text = b"a,b\r\n\r\nc,d\re,f\n\n\ng,h";
        for piece in [1, 2, 3, text.len()] {
            let mut lines = LineCounter::default();
            for chunk in text.chunks(piece) {
                lines.scan(chunk);
            }
            let numbered: Vec<u64> = [0, 4, 11, 15].iter().map(|&p| lines.line_at(p)).collect();
            assert_eq!(numbered, [1, 3, 4, 7], "pieces of {piece}");
        }
    }

    #[test]
    fn encodings_are_told_apart() {
        assert_eq!(detect(b"\xef\xbb\xbfa,b", true).unwrap().bom_len, 3);
        assert_eq!(detect(b"\xff\xfea\0", true).unwrap().encoding, UTF_16LE);
        assert_eq!(detect("Zoë,b".as_bytes(), true).unwrap().encoding, UTF_8);
        assert_eq!(
            detect(b"Zo\xeb,Caf\xe9,na\xefve", true).unwrap().encoding,
            encoding_rs::WINDOWS_1252
        );
        assert_eq!(detect(b"PK\x03\x04\0\0", true), Err(ImportError::Binary));
    }
}
