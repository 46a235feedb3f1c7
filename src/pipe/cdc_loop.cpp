#include "pipe/cdc_loop.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "core/change_spill.h"
#include "pipe/added_table_loader.h"
#include "pipe/cdc_schema_change.h"

namespace pg2ch {
namespace {

// The batch-size measure of pull_batch_bytes: the values' text, as received.
size_t TextBytes(const Transaction& txn) {
  size_t bytes = 0;
  for (const RowChange& c : txn.changes) {
    for (const Cell& cell : c.row) bytes += cell.text.size();
    for (const Cell& cell : c.old_row) bytes += cell.text.size();
  }
  return bytes;
}

// Spill files of the pipe: in the catalog's local directory (beside the SQLite file), whose disk is
// the one the operator provisioned for pg2ch (a $TMPDIR may be a small tmpfs, cleaned behind our
// back), one directory per pipe so that a pipe clearing its leftovers never touches another's
// files. A crashed run's leftovers go: their transactions are replayed.
std::filesystem::path FreshSpillDirectory(const PipeContext& ctx) {
  auto dir = ctx.catalog.LocalDirectory() / ctx.config.name;
  ChangeSpill::RemoveLeftovers(dir);
  return dir;
}

// A transaction with `txn`'s LSNs and commit time and no changes yet: a part of it.
Transaction PartOf(const Transaction& txn) {
  Transaction part;
  part.commit_lsn = txn.commit_lsn;
  part.end_lsn = txn.end_lsn;
  part.commit_time = txn.commit_time;
  return part;
}

}  // namespace

CdcLoop::CdcLoop(PipeContext& ctx, AddedTableLoader* loader)
    : ctx_(ctx),
      cfg_(ctx.config),
      loader_(loader),
      destination_(ctx.Ports().OpenChangeDestination(ctx)),
      spill_dir_(FreshSpillDirectory(ctx)),
      durable_(ctx.Record().checkpoint_lsn),
      source_(ctx.Ports().OpenChangeSource(
          ctx, durable_,
          {static_cast<size_t>(cfg_.spill_threshold_changes),
           [dir = spill_dir_] { return ChangeSpill::Create(dir); },
           [dir = spill_dir_] { return ScratchFile::Create(dir, "stream"); }})),
      interval_(std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(cfg_.sync_interval_seconds))),
      applier_([this](std::span<Transaction> b) { destination_->ApplyTransactions(b); }) {
  spdlog::info("pipe {}: CDC from {}", cfg_.name, FormatLsn(durable_));
}

bool CdcLoop::TouchesLoadingTable(const std::vector<Transaction>& transactions) const {
  if (loader_ == nullptr || loader_->Complete()) return false;
  for (const Transaction& t : transactions)
    for (const RowChange& c : t.changes)
      if (loader_->Loading(c.relid)) return true;
  return false;
}

// Checkpoints and confirms what the applier made durable, never moving backwards.
void CdcLoop::RecordDurable(const std::vector<DurableBatch>& done) {
  for (const DurableBatch& d : done) {
    total_changes_ += d.changes;
    if (ctx_.metrics) {
      ctx_.metrics->cdc_changes += d.changes;
      ctx_.metrics->batches += 1;
      if (d.last_commit_time != 0) ctx_.metrics->last_commit_time = d.last_commit_time;
    }
    spdlog::debug("pipe {}: pushed {} transactions, {} changes, up to {}", cfg_.name,
                  d.transactions, d.changes, FormatLsn(d.end));
  }
  if (done.empty()) return;
  Lsn end = done.back().end;
  if (hold_limit_) {
    passed_ = std::max(passed_, end);
    end = std::min(end, *hold_limit_);
  }
  AdvanceCheckpoint(end);
}

void CdcLoop::AdvanceCheckpoint(Lsn end) {
  if (end <= durable_) return;
  durable_ = end;
  ctx_.catalog.SetCheckpoint(ctx_.pipe_id, durable_);
  if (!progress_recorded_) {  // healthy again after whatever made the runner retry
    SetRetryingReason(ctx_.catalog, ctx_.pipe_id, "");
    progress_recorded_ = true;
  }
  SendStatus();
}

void CdcLoop::SendStatus() {
  source_->Confirm(durable_);
  last_status_ = Clock::now();
}

// While the stream is not read, the server would time the connection out without a status.
void CdcLoop::SendStatusIfQuietFor(Clock::duration quiet) {
  if (Clock::now() - last_status_ > quiet) SendStatus();
}

// Unchanged TOAST values and TRUNCATEs of an added table need its loaded rows first. Status
// updates go on meanwhile, or the server would drop the connection of a long load.
bool CdcLoop::WaitForLoad() {
  while (!loader_->Done()) {
    if (ctx_.stop_requested.load()) return false;
    RecordDurable(applier_.TakeDurable());
    SendStatusIfQuietFor(std::chrono::seconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  loader_->RethrowIfFailed();
  return loader_->Complete();
}

bool CdcLoop::HoldLoadingChanges(Transaction& txn) {
  if (loader_ == nullptr || (loader_->Complete() && held_.empty())) return true;
  // Once holding, every change of the loaded tables is held, even after the load completed, so
  // that they are applied in their order.
  auto held = [&](const RowChange& c) { return loader_->Loads(c.relid); };
  const auto count =
      static_cast<size_t>(std::count_if(txn.changes.begin(), txn.changes.end(), held));
  if (count == 0) return true;
  if (held_changes_ + count > static_cast<size_t>(cfg_.pull_batch_size)) {
    spdlog::info("pipe {}: more than {} changes to tables still loading: CDC waits for the load",
                 cfg_.name, cfg_.pull_batch_size);
    return ReleaseHeld();  // then `txn` goes on whole
  }
  if (held_.empty()) hold_limit_ = std::max(durable_, last_end_);
  Transaction part = PartOf(txn);
  std::vector<RowChange> rest;
  for (RowChange& c : txn.changes) (held(c) ? part.changes : rest).push_back(std::move(c));
  txn.changes = std::move(rest);
  held_changes_ += count;
  held_.push_back(std::move(part));
  if (ctx_.metrics) ctx_.metrics->held_changes = held_changes_;
  return true;
}

bool CdcLoop::ReleaseHeld() {
  if (!WaitForLoad()) return false;
  ApplyHeld();
  return true;
}

// With the load durable: the held changes, then the checkpoint where it would have been.
void CdcLoop::ApplyHeld() {
  if (held_.empty()) return;
  // Pending transactions may precede the last held one: durable first, or the checkpoint below
  // would pass them.
  Flush(true);
  spdlog::info("pipe {}: applying {} change(s) to the added tables held during their load",
               cfg_.name, held_changes_);
  const Lsn end = held_.back().end_lsn;
  applier_.Submit(std::move(held_), end);
  held_.clear();
  held_changes_ = 0;
  if (ctx_.metrics) ctx_.metrics->held_changes = 0;
  RecordDurable(applier_.Drain());
  hold_limit_.reset();
  AdvanceCheckpoint(passed_);
}

// Hands the pending batch to the applier; with `wait`, returns once everything handed over is
// durable and checkpointed. The batch never holds changes of a table still loading: those are
// held (HoldLoadingChanges) or waited for.
void CdcLoop::Flush(bool wait) {
  if (!pending_.transactions.empty()) {
    applier_.Submit(std::move(pending_.transactions), pending_.end);
    pending_ = Pending{};
  }
  RecordDurable(wait ? applier_.Drain() : applier_.TakeDurable());
}

// Applies a spilled transaction in chunks of at most pull_batch_size changes, in order, each a
// Transaction with the spilled one's LSNs and commit time; the end LSN is handed over with the
// last chunk only, so it is checkpointed and confirmed once every chunk is durable. Call with
// nothing in flight (Flush(true)). False when a stop came first: the transaction stays
// unconfirmed and is replayed whole at the next start.
//
// Why applying one transaction in several inserts is still correct:
// - Every chunk carries the transaction's version (its end LSN). Among rows of equal version
//   ReplacingMergeTree keeps the last inserted, and chunks are inserted in stream order, each
//   only once the one before is durable (BatchApplier): the final row of every key is the
//   transaction's last change to it, as if it had been applied in one insert.
// - Between chunks, ClickHouse shows part of the transaction (as any non-atomic destination
//   does between batches); a crash replays the whole transaction from the checkpoint.
// - An unchanged TOAST value whose row was written by an earlier chunk is read back from
//   ClickHouse: ChooseStoredRow takes a stored row of the same key with version >= the row's,
//   i.e. the earlier chunk's image, and skips a stored deleted row of equal version (an earlier
//   chunk deleted that key; the value then comes from the row the key changed from).
//   Limitation (toast_lookup.h): after a crash mid-transaction, a replayed chunk may read a row
//   a later chunk of the first attempt wrote; see the README.
bool CdcLoop::ApplySpilled(const Transaction& head, ChangeSpill& spill) {
  const auto chunk_size = static_cast<size_t>(cfg_.pull_batch_size);
  spdlog::info("pipe {}: applying a transaction of {} changes from disk, in chunks of {}",
               cfg_.name, spill.changes(), chunk_size);
  while (true) {
    std::vector<Transaction> part{PartOf(head)};
    part[0].changes = spill.ReadChunk(chunk_size);  // while the chunk before is being applied
    if (part[0].changes.empty()) break;
    if (ctx_.stop_requested.load()) return false;
    if (TouchesLoadingTable(part) && !WaitForLoad()) return false;
    applier_.Submit(std::move(part), spill.unread() == 0 ? head.end_lsn : durable_);
    RecordDurable(applier_.TakeDurable());
    SendStatusIfQuietFor(std::chrono::seconds(10));  // nothing is read meanwhile
  }
  RecordDurable(applier_.Drain());
  return true;
}

// Keeps the server from timing us out; also confirms transactions that had nothing for us.
void CdcLoop::ReportStatus() {
  bool idle = !applier_.Busy();  // read first: a batch finishing now is taken just below
  RecordDurable(applier_.TakeDurable());
  if (idle && pending_.transactions.empty() && !hold_limit_ && idle_lsn_ > durable_)
    return AdvanceCheckpoint(idle_lsn_);  // saves, then confirms
  SendStatus();
}

bool CdcLoop::OnTransaction(AssembledTransaction& done) {
  Transaction& txn = done.transaction;
  const Lsn end = txn.end_lsn;
  // The sink changes, or the transaction is applied on its own: drain first, held changes
  // included (their rows have the widths from before a schema change).
  if (done.spill || NeedsDestinationChange(txn)) {
    if (!held_.empty() && !ReleaseHeld()) return false;
    Flush(true);
  }
  for (const SchemaChange& change : txn.schema_changes)
    ApplySchemaChange(ctx_, *source_, *destination_, change);
  if (done.spill) {
    if (!ApplySpilled(txn, *done.spill)) return false;
  } else {
    if (!HoldLoadingChanges(txn)) return false;
    if (!txn.changes.empty()) {
      if (pending_.transactions.empty()) pending_.started = Clock::now();
      pending_.changes += txn.changes.size();
      pending_.bytes += TextBytes(txn);
      pending_.end = txn.end_lsn;
      pending_.transactions.push_back(std::move(txn));
    } else if (pending_.transactions.empty()) {
      idle_lsn_ = txn.end_lsn;  // nothing of ours: confirmable once everything before is durable
    } else {
      pending_.end = txn.end_lsn;
    }
  }
  last_end_ = end;
  return true;
}

void CdcLoop::OnKeepalive(const SourceKeepalive& keepalive) {
  if (ctx_.metrics) ctx_.metrics->received_lsn = keepalive.wal_end;
  // The keepalive's position is what the server has sent so far; with nothing open or pending
  // here, every commit before it is durable, so an idle pipe can confirm it and the slot stops
  // holding WAL written by other databases and tables.
  if (pending_.transactions.empty() && !source_->InTransaction())
    idle_lsn_ = std::max(idle_lsn_, keepalive.wal_end);
  if (keepalive.reply_requested) ReportStatus();
}

std::optional<PipeState> CdcLoop::Run() {
  auto last_report = Clock::now();
  while (!ctx_.stop_requested.load()) {
    if (loader_ != nullptr && loader_->Done()) {
      loader_->RethrowIfFailed();
      if (loader_->Complete()) {
        Flush(true);
        ApplyHeld();
        spdlog::info("pipe {}: added tables loaded, CDC at {}", cfg_.name, FormatLsn(durable_));
        return PipeState::kRunning;
      }
    }
    RecordDurable(applier_.TakeDurable());  // confirm each batch as soon as it is durable
    auto now = Clock::now();
    auto wait = std::chrono::milliseconds(100);
    if (!pending_.transactions.empty() && !source_->InTransaction()) {
      if (pending_.changes >= static_cast<size_t>(cfg_.pull_batch_size) ||
          pending_.bytes >= static_cast<size_t>(cfg_.pull_batch_bytes) ||
          now - pending_.started >= interval_) {
        Flush(false);
        continue;
      }
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(pending_.started +
                                                                                  interval_ - now) +
                                std::chrono::milliseconds(1));
    }
    ChangeEvent event = source_->Next(wait);
    if (event.received != 0 && ctx_.metrics) ctx_.metrics->received_lsn = event.received;
    if (event.transaction && !OnTransaction(*event.transaction)) break;  // a stop: replayed
    if (event.keepalive) OnKeepalive(*event.keepalive);
    if (Clock::now() - last_status_ > std::chrono::seconds(10)) ReportStatus();
    if (Clock::now() - last_report > std::chrono::seconds(30)) {
      last_report = Clock::now();
      spdlog::info("pipe {}: CDC {} changes applied, checkpoint {}", cfg_.name, total_changes_,
                   FormatLsn(durable_));
    }
  }
  // Stop: push what is complete so nothing committed waits for the next start.
  Flush(true);
  spdlog::info("pipe {}: CDC stopped at {}", cfg_.name, FormatLsn(durable_));
  return std::nullopt;
}

}  // namespace pg2ch
