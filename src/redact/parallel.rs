//! Redaction on several threads, with the output of one.
//!
//! Every line is redacted on its own (labels do not cross newlines), so the
//! input can be cut at newlines into blocks that are redacted independently
//! and written back in order: the output is byte for byte what
//! [`Redactor::redact_stream`] writes on one thread.
//!
//! # The pipeline
//!
//! - `threads` threads redact, the calling thread among them, so that
//!   there is one busy thread per core and none waits for a core to be
//!   free. The `threads - 1` workers live for the whole call; each takes
//!   the next block from a shared queue, redacts it into the block's
//!   output buffer and sends both back with the block's sequence number.
//! - The calling thread alone does the I/O (the reader and the writer need
//!   not be [`Send`]). It reads blocks of about [`BLOCK`] bytes cut at
//!   newlines into free buffers and queues them, writes each output as
//!   soon as every block before it has been written (a reorder buffer
//!   keyed by sequence number), and, rather than wait, redacts the next
//!   queued block itself. Reading ahead before it does keeps the workers
//!   supplied while it redacts; a slow block holds back the writing, never
//!   the other threads.
//! - At most [`SLOTS_PER_THREAD`] × `threads` blocks are in flight (read
//!   and not yet written). A written block's input and output buffers go
//!   back to a pool and are reused, so memory stays at that many blocks
//!   and their redacted copies, under 1 MiB per thread (more while a line
//!   is longer than a block: such a line is held whole).
//! - The first error (reading, writing, a [`RedactError`] of any thread,
//!   or a thread's panic as [`RedactError::Worker`]) ends the call: the
//!   calling thread stops reading and returns it, the queue closes, and
//!   each worker stops after at most the block it holds.

use std::collections::{BTreeMap, VecDeque};
use std::io::{self, Read, Write};
use std::num::NonZeroUsize;
use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Condvar, Mutex, PoisonError};

use super::columns::Columns;
use super::error::RedactError;
use super::names;
use super::redactor::Redactor;
use super::report::Report;
use super::stream::Header;

/// Bytes per block handed to a thread (a block ends at a newline, so it
/// may be longer by the rest of its last line). Small enough that the last
/// blocks of an input keep every thread busy until near its end (on two
/// cores, 128 KiB and 64 KiB blocks were 10% faster than 512 KiB ones),
/// large enough that handing one out costs nothing beside redacting it.
pub(crate) const BLOCK: usize = 1 << 17;

/// The read buffer of one thread's stream. With a writer's buffer of the
/// same size (the `redact` example's), input and output stay in a core's
/// L2 cache: on the bench's log, one thread ran 3 % faster end to end than
/// with a 128 KiB read buffer and a 1 MiB write buffer.
const READ_BUFFER: usize = 1 << 16;

/// Blocks in flight per thread: one being redacted, and two queued or
/// waiting to be written, so that a worker still has one queued while the
/// calling thread redacts a block and cannot read ahead.
const SLOTS_PER_THREAD: usize = 3;

/// A block's buffers: the input read, and its redacted copy.
#[derive(Default)]
struct Slot {
    input: Vec<u8>,
    output: Vec<u8>,
    /// The line before the block was a sign-off alone, or blank after one
    /// ([`Detector::signed_after`](super::Detector::signed_after)).
    signed: bool,
}

/// A redacted block, or why it could not be.
type Done = Result<(Slot, Report), RedactError>;

impl Redactor {
    /// Redacts `reader` into `writer` on `threads` threads, with output
    /// byte for byte equal to [`redact_stream`](Self::redact_stream)'s.
    ///
    /// The calling thread reads the input in blocks of about 128 KiB cut
    /// at newlines, and `threads` threads, the calling one among them,
    /// redact them; the calling thread writes each output as soon as those
    /// before it are written, so a slow block holds back only the writing.
    /// One thread redacts in place without blocks.
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
    /// Those of [`redact_stream`](Self::redact_stream), and
    /// [`RedactError::Worker`] when a thread panics (a host sealer or
    /// detector that panics). The first error stops the call; `writer`
    /// then holds a prefix of the redacted output.
    ///
    /// # Memory
    ///
    /// At most three blocks per thread are in flight, each with its
    /// redacted copy: under 1 MiB per thread. A line longer than a block
    /// is held whole (on one thread,
    /// [`redact_stream`](Self::redact_stream) bounds memory whatever the
    /// line length).
    pub fn redact_parallel<R: Read, W: Write>(
        &self,
        reader: R,
        writer: W,
        threads: NonZeroUsize,
    ) -> Result<Report, RedactError> {
        if threads.get() == 1 {
            let reader = io::BufReader::with_capacity(READ_BUFFER, reader);
            return self.redact_stream(reader, writer);
        }
        self.pipeline(reader, writer, threads, BLOCK)
    }

    /// [`redact_parallel`](Self::redact_parallel) on two threads or more,
    /// in blocks of about `block` bytes.
    fn pipeline<R: Read, W: Write>(
        &self,
        reader: R,
        mut writer: W,
        threads: NonZeroUsize,
        block: usize,
    ) -> Result<Report, RedactError> {
        // The first block is read before the workers start: its first line
        // may be the CSV header that every later block's rows need.
        let mut blocks = Blocks::new(reader, block);
        let mut first = Slot::default();
        let first = blocks.next_block(&mut first.input)?.then_some(first);
        let columns = first.as_ref().and_then(|slot| {
            let line =
                memchr::memchr(b'\n', &slot.input).map_or(&slot.input[..], |nl| &slot.input[..nl]);
            self.detector().columns(line)
        });
        let queue = Queue::default();
        let report = std::thread::scope(|scope| {
            let (done_tx, done) = mpsc::channel();
            for _ in 1..threads.get() {
                let (queue, done_tx, columns) = (&queue, done_tx.clone(), columns.as_ref());
                scope.spawn(move || self.work(queue, &done_tx, columns));
            }
            drop(done_tx);
            // Closes the queue however `pipe` returns (a host writer may
            // panic): the workers then stop after at most the block each
            // holds, and the scope can end.
            let _close = CloseOnDrop(&queue);
            let pipe = Pipe {
                redactor: self,
                columns: columns.as_ref(),
                queue: &queue,
                done,
                slots: SLOTS_PER_THREAD * threads.get(),
            };
            pipe.run(blocks, first, &mut writer)
        })?;
        writer.flush()?;
        Ok(report)
    }

    /// A worker: redacts queued blocks until the queue closes or the
    /// calling thread stops listening.
    fn work(&self, queue: &Queue, done: &Sender<(u64, Done)>, columns: Option<&Columns>) {
        while let Some((seq, slot)) = queue.pop() {
            if done
                .send((seq, self.redact_block(seq, slot, columns)))
                .is_err()
            {
                return;
            }
        }
    }

    /// Redacts block number `seq` into its output buffer. The first block
    /// is an input's start; the rows of the others belong to `columns`,
    /// the CSV columns its first line named, if any.
    fn redact_block(&self, seq: u64, mut slot: Slot, columns: Option<&Columns>) -> Done {
        let redacted = panic::catch_unwind(AssertUnwindSafe(|| {
            slot.output.clear();
            let header = match seq {
                0 => Header::FirstLine,
                _ => Header::Known(columns),
            };
            self.redact_lines(slot.input.as_slice(), &mut slot.output, header, slot.signed)
        }));
        match redacted {
            Ok(Ok(report)) => Ok((slot, report)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(RedactError::Worker),
        }
    }
}

/// Blocks read and not yet taken by a thread.
#[derive(Default)]
struct Queue {
    state: Mutex<Queued>,
    /// Signalled when a block is queued or the queue closes.
    changed: Condvar,
}

#[derive(Default)]
struct Queued {
    blocks: VecDeque<(u64, Slot)>,
    closed: bool,
}

impl Queue {
    /// The queue's state. Nothing panics while holding the lock, so a
    /// poisoned lock still holds a consistent state.
    fn state(&self) -> std::sync::MutexGuard<'_, Queued> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, seq: u64, slot: Slot) {
        self.state().blocks.push_back((seq, slot));
        self.changed.notify_one();
    }

    /// The oldest queued block, if any, without waiting.
    fn try_pop(&self) -> Option<(u64, Slot)> {
        self.state().blocks.pop_front()
    }

    /// The oldest queued block, waiting for one; `None` once the queue is
    /// closed.
    fn pop(&self) -> Option<(u64, Slot)> {
        let mut state = self.state();
        loop {
            if state.closed {
                return None;
            }
            if let Some(job) = state.blocks.pop_front() {
                return Some(job);
            }
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn close(&self) {
        self.state().closed = true;
        self.changed.notify_all();
    }
}

/// Closes a [`Queue`] when dropped.
struct CloseOnDrop<'a>(&'a Queue);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// The calling thread's part of the pipeline.
struct Pipe<'a> {
    redactor: &'a Redactor,
    columns: Option<&'a Columns>,
    queue: &'a Queue,
    /// Blocks the workers redacted.
    done: Receiver<(u64, Done)>,
    /// Blocks in flight at most.
    slots: usize,
}

impl Pipe<'_> {
    /// Reads blocks into free slots and queues them (`first`, read
    /// already, before the others), keeping at most `slots` in flight;
    /// redacts queued blocks while the workers do; writes the redacted
    /// blocks in input order.
    fn run<R: Read, W: Write>(
        &self,
        mut blocks: Blocks<R>,
        mut first: Option<Slot>,
        writer: &mut W,
    ) -> Result<Report, RedactError> {
        let mut free: Vec<Slot> = Vec::with_capacity(self.slots);
        let mut waiting: BTreeMap<u64, (Slot, Report)> = BTreeMap::new();
        let mut report = Report::default();
        let (mut read, mut written) = (0u64, 0u64);
        loop {
            // Read ahead first, so that no worker waits while this thread
            // redacts.
            while read - written < self.slots as u64 {
                let slot = match first.take() {
                    Some(slot) => slot,
                    None if blocks.done() => break,
                    None => {
                        let mut slot = free.pop().unwrap_or_default();
                        slot.signed = blocks.ends_signed;
                        if !blocks.next_block(&mut slot.input)? {
                            break;
                        }
                        slot
                    }
                };
                self.queue.push(read, slot);
                read += 1;
            }
            while let Some((slot, part)) = waiting.remove(&written) {
                writer.write_all(&slot.output)?;
                report.absorb(&part);
                free.push(slot);
                written += 1;
            }
            if written == read {
                // Every block read is written: the end, unless the read
                // ahead stopped only because every slot was in flight.
                if blocks.done() {
                    return Ok(report);
                }
                continue;
            }
            let (seq, result) = match self.queue.try_pop() {
                Some((seq, slot)) => (seq, self.redactor.redact_block(seq, slot, self.columns)),
                // Fails only if every worker has stopped with blocks in
                // flight, which a caught panic does not do; fail closed
                // all the same.
                None => self.done.recv().map_err(|_| RedactError::Worker)?,
            };
            waiting.insert(seq, result?);
            while let Ok((seq, result)) = self.done.try_recv() {
                waiting.insert(seq, result?);
            }
        }
    }
}

/// Reads blocks of about `size` bytes that end at a newline (the last one
/// at the end of the input).
struct Blocks<R> {
    reader: R,
    size: usize,
    /// Bytes read past the end of the last block handed out.
    carry: Vec<u8>,
    /// The reader is at its end.
    eof: bool,
    /// The last line of the blocks handed out that is not blank is a
    /// sign-off alone (see [`Blocks::note_last_line`]), so that the next
    /// block's first line may be a name alone that signs a message off
    /// (the detector asks only if it detects names).
    ends_signed: bool,
}

impl<R: Read> Blocks<R> {
    fn new(reader: R, size: usize) -> Self {
        Self {
            reader,
            size,
            carry: Vec::new(),
            eof: false,
            ends_signed: false,
        }
    }

    /// Notes whether the last line of `block` (whole lines) that is not
    /// blank, if there is one, is a sign-off alone.
    fn note_last_line(&mut self, block: &[u8]) {
        let content = block.trim_ascii_end();
        if !content.is_empty() {
            let start = memchr::memrchr(b'\n', content).map_or(0, |i| i + 1);
            self.ends_signed = names::signed_after(false, &content[start..]);
        }
    }

    /// Every block has been handed out.
    fn done(&self) -> bool {
        self.eof && self.carry.is_empty()
    }

    /// Reads the next block into `block`; false at the end of the input.
    fn next_block(&mut self, block: &mut Vec<u8>) -> io::Result<bool> {
        block.clear();
        block.append(&mut self.carry);
        let mut searched = 0;
        loop {
            if block.len() >= self.size {
                if let Some(nl) = memchr::memrchr(b'\n', &block[searched..]) {
                    let cut = searched + nl + 1;
                    self.carry.extend_from_slice(&block[cut..]);
                    block.truncate(cut);
                    self.note_last_line(&block[..cut]);
                    return Ok(true);
                }
                searched = block.len();
            }
            if self.eof {
                return Ok(!block.is_empty());
            }
            // Grow by half of a long line, so that a line of any length is
            // read in a number of passes logarithmic in its length.
            let want = self.size.max(block.len() / 2);
            let n = (&mut self.reader).take(want as u64).read_to_end(block)?;
            self.eof = n < want;
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::redact::Strategy;

    fn blocks(input: &[u8]) -> Vec<Vec<u8>> {
        let mut b = Blocks::new(input, BLOCK);
        let mut out = Vec::new();
        let mut block = Vec::new();
        while b.next_block(&mut block).unwrap_or_else(|e| panic!("{e}")) {
            out.push(block.clone());
        }
        assert!(b.done());
        out
    }

    #[test]
    fn blocks_end_at_newlines_and_cover_the_input() {
        let line = b"0123456789abcdef0123456789abcdef0123456789abcdef012345678\n";
        let input: Vec<u8> = line.repeat(3 * BLOCK / line.len() + 7);
        let got = blocks(&input);
        assert!(got.len() >= 3);
        assert!(got.iter().all(|b| b.ends_with(b"\n")));
        assert!(got.iter().all(|b| b.len() <= BLOCK + line.len()));
        assert_eq!(got.concat(), input);
        // No newline at all, and an unterminated last line.
        let flat = vec![b'x'; BLOCK * 2 + 3];
        assert_eq!(blocks(&flat), vec![flat.clone()]);
        let mut tail = input.clone();
        tail.extend_from_slice(b"last");
        assert_eq!(blocks(&tail).concat(), tail);
        assert!(blocks(b"").is_empty());
    }

    /// A reader that hands out a few bytes at a time, as a pipe does.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.0.len()).min(65_536);
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn short_reads_cut_at_the_last_newline_of_a_block() {
        // Newlines only in the first half of a block: the cut is there,
        // not after the next newline further on.
        let mut input = vec![b'a'; BLOCK / 2];
        input.push(b'\n');
        input.extend(vec![b'b'; BLOCK]);
        input.push(b'\n');
        let mut b = Blocks::new(Trickle(&input), BLOCK);
        let mut block = Vec::new();
        assert!(b.next_block(&mut block).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(block.len(), BLOCK / 2 + 1);
        assert!(b.next_block(&mut block).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(block.len(), BLOCK + 1);
        assert!(!b.next_block(&mut block).unwrap_or_else(|e| panic!("{e}")));
    }

    /// Lines of every shape: findings, JSON, CRLF, empty, long, sign-offs.
    const LINES: &[&str] = &[
        "2025-03-14T10:22:01Z INFO card=4242 4242 4242 4242 email=ada@example.com",
        r#"{"name":"Ada Lovelace","phone":"+44 20 7946 0958","pan":4242424242424242}"#,
        "ip 192.0.2.7 ssn 123-45-6789\r",
        "",
        "\r",
        "nothing here",
        "dob: 1992-01-16 iban DE89 3704 0044 0532 0130 00 mail ada@example.com ada@example.com",
        // Rows of the CSV headers below, with and without anchor bytes.
        "Ada Lovelace,12 Main St,+44 20 7946 0958",
        "Grace Hopper,Elm Street,",
        "C-1;Marta Kowalska;ul. Długa 12/4",
        r#""Kowalska, Marta";"Rynek 1";x"#,
        // Sign-offs: on the line, alone before a name, and names alone.
        "the jug broke. Regards, Kofi Mensah",
        "Kind regards,",
        "Jason Miller",
        "  ",
    ];

    /// First lines that are CSV headers naming personal columns.
    const HEADERS: &[&str] = &["name,street,phone", "id;Vorname;Strasse\r"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Tiny blocks, so that a few lines make many blocks and a line is
        /// often longer than a block: the output and report of one thread,
        /// also for rows whose CSV header is in another block.
        #[test]
        fn small_blocks_give_the_output_of_one_thread(
            picks in prop::collection::vec(0..LINES.len(), 0..60),
            newline_at_end in any::<bool>(),
            header in prop::option::of(0..HEADERS.len()),
            threads in 1usize..=4,
            block in 1usize..200,
        ) {
            let lines = header.map(|h| HEADERS[h]).into_iter().chain(picks.iter().map(|&i| LINES[i]));
            let mut text = lines.collect::<Vec<_>>().join("\n");
            if newline_at_end {
                text.push('\n');
            }
            let redactor = Redactor::builder()
                .strategy(Strategy::Tag)
                .build()
                .unwrap_or_else(|e| panic!("{e}"));
            let mut one = Vec::new();
            let single = redactor
                .redact_stream(text.as_bytes(), &mut one)
                .unwrap_or_else(|e| panic!("{e}"));
            let threads = NonZeroUsize::new(threads).unwrap_or(NonZeroUsize::MIN);
            let mut many = Vec::new();
            let report = redactor
                .pipeline(text.as_bytes(), &mut many, threads, block)
                .unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(many, one);
            prop_assert_eq!(report, single);
        }
    }
}
