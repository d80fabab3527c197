//! Redaction on several threads, with the output of one.
//!
//! Every line is redacted on its own (labels do not cross newlines), so the
//! input can be cut at newlines into blocks that are redacted independently
//! and written back in order: the output is byte for byte what
//! [`Redactor::redact_stream`] writes on one thread. A round reads one block
//! per thread, redacts them at once, and writes them in order.

use std::io::{self, Read, Write};
use std::num::NonZeroUsize;

use super::error::RedactError;
use super::redactor::Redactor;
use super::report::Report;

/// Bytes per block handed to a thread (a block ends at a newline, so it
/// may be longer by the rest of its last line).
pub(crate) const BLOCK: usize = 1 << 20;

impl Redactor {
    /// Redacts `reader` into `writer` on `threads` threads, with output
    /// byte for byte equal to [`redact_stream`](Self::redact_stream)'s.
    ///
    /// The input is read in blocks of about 1 MiB cut at newlines, one per
    /// thread at a time; one thread redacts in place without blocks.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    /// use custodian::redact::{Redactor, Strategy};
    ///
    /// let redactor = Redactor::builder().strategy(Strategy::Tag).build()?;
    /// let text = "mail ada@example.com\n".repeat(100_000);
    /// let mut out = Vec::new();
    /// let threads = NonZeroUsize::new(2).unwrap_or(NonZeroUsize::MIN);
    /// let report = redactor.redact_parallel(text.as_bytes(), &mut out, threads)?;
    /// assert_eq!(out, "mail [EMAIL]\n".repeat(100_000).into_bytes());
    /// assert_eq!(report.total(), 100_000);
    /// # Ok::<(), custodian::redact::RedactError>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Those of [`redact_stream`](Self::redact_stream); after an error,
    /// `writer` holds a prefix of the redacted output.
    ///
    /// # Memory
    ///
    /// `threads` blocks and their redacted copies; a line longer than a
    /// block is held whole (on one thread, [`redact_stream`](Self::redact_stream)
    /// bounds memory whatever the line length).
    pub fn redact_parallel<R: Read, W: Write>(
        &self,
        reader: R,
        mut writer: W,
        threads: NonZeroUsize,
    ) -> Result<Report, RedactError> {
        if threads.get() == 1 {
            let reader = io::BufReader::with_capacity(BLOCK, reader);
            return self.redact_stream(reader, writer);
        }
        let mut blocks = Blocks::new(reader);
        let mut report = Report::default();
        let mut round: Vec<Vec<u8>> = Vec::with_capacity(threads.get());
        loop {
            round.clear();
            while round.len() < threads.get() {
                match blocks.next_block()? {
                    Some(block) => round.push(block),
                    None => break,
                }
            }
            if round.is_empty() {
                break;
            }
            let results = std::thread::scope(|scope| {
                let handles: Vec<_> = round
                    .iter()
                    .map(|block| {
                        scope.spawn(move || {
                            let mut out = Vec::with_capacity(block.len() + block.len() / 8);
                            self.redact_stream(block.as_slice(), &mut out)
                                .map(|report| (out, report))
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or(Err(RedactError::Worker)))
                    .collect::<Vec<_>>()
            });
            for result in results {
                let (out, part) = result?;
                writer.write_all(&out)?;
                report.absorb(&part);
            }
        }
        writer.flush()?;
        Ok(report)
    }
}

/// Reads blocks of about [`BLOCK`] bytes that end at a newline (the last
/// one at the end of the input).
struct Blocks<R> {
    reader: R,
    /// Bytes read past the end of the last block handed out.
    carry: Vec<u8>,
    done: bool,
}

impl<R: Read> Blocks<R> {
    fn new(reader: R) -> Self {
        Self {
            reader,
            carry: Vec::new(),
            done: false,
        }
    }

    fn next_block(&mut self) -> io::Result<Option<Vec<u8>>> {
        let mut block = core::mem::take(&mut self.carry);
        let mut searched = 0;
        loop {
            if let Some(nl) = (block.len() >= BLOCK)
                .then(|| memchr::memrchr(b'\n', &block[searched..]))
                .flatten()
            {
                let cut = searched + nl + 1;
                self.carry = block.split_off(cut);
                return Ok(Some(block));
            }
            searched = block.len();
            if self.done {
                return Ok((!block.is_empty()).then_some(block));
            }
            let len = block.len();
            let want = BLOCK.max(len / 2);
            block.resize(len + want, 0);
            let n = loop {
                match self.reader.read(&mut block[len..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            block.truncate(len + n);
            if n == 0 {
                self.done = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocks(input: &[u8]) -> Vec<Vec<u8>> {
        let mut b = Blocks::new(input);
        let mut out = Vec::new();
        while let Some(block) = b.next_block().unwrap_or_else(|e| panic!("{e}")) {
            out.push(block);
        }
        out
    }

    #[test]
    fn blocks_end_at_newlines_and_cover_the_input() {
        let line = b"0123456789abcdef0123456789abcdef0123456789abcdef012345678\n";
        let input: Vec<u8> = line.repeat(3 * BLOCK / line.len() + 7);
        let got = blocks(&input);
        assert!(got.len() >= 3);
        assert!(got.iter().all(|b| b.ends_with(b"\n")));
        assert_eq!(got.concat(), input);
        // No newline at all, and an unterminated last line.
        let flat = vec![b'x'; BLOCK * 2 + 3];
        assert_eq!(blocks(&flat), vec![flat.clone()]);
        let mut tail = input.clone();
        tail.extend_from_slice(b"last");
        assert_eq!(blocks(&tail).concat(), tail);
        assert!(blocks(b"").is_empty());
    }
}
