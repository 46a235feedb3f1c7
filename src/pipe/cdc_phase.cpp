// Running: change data capture. Pull transactions from the slot, push them to ClickHouse in
// batches, then (and only then) save the checkpoint and confirm the LSN to PostgreSQL.
//
// A batch is pushed when it holds pull_batch_size changes or pull_batch_bytes of values, or its
// oldest change waited sync_interval_seconds (counted from its first commit), and never ends
// inside a transaction (whole transactions only). It is written on the BatchApplier's thread while
// the next one fills (batch_applier.h). A crash anywhere replays from the checkpoint; the sink
// writes identical rows again, which is harmless.
//
// A transaction that adds columns to a table (cdc_schema_change.h) first has the batch before it
// flushed, then the columns added to ClickHouse and the catalog, and only then joins a batch.
//
// A transaction of more than spill_threshold_changes changes is spilled to disk while it arrives
// (transaction_assembler.h) and applied on its own, in chunks read back from the file
// (apply_spilled below), so no transaction has to fit in memory.
#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "core/change_spill.h"
#include "pipe/added_table_loader.h"
#include "pipe/batch_applier.h"
#include "pipe/cdc_schema_change.h"
#include "pipe/pipe_context.h"
#include "source/postgres/pgoutput_decoder.h"
#include "source/postgres/replication_setup.h"
#include "source/postgres/replication_stream.h"
#include "source/postgres/transaction_assembler.h"

namespace pg2ch {
namespace {

using Clock = std::chrono::steady_clock;

// Fails with a clear reason when the slot cannot serve us any more; retrying would not help.
void CheckSlotUsable(PgConnection& pg, const PipeConfig& cfg) {
  auto slot = FindSlot(pg, cfg.slot);
  if (!slot)
    ThrowFatal("replication slot \"" + cfg.slot +
               "\" does not exist on the source (was it dropped?): resync the pipe");
  if (slot->wal_status == "lost")
    ThrowFatal("replication slot \"" + cfg.slot +
               "\" was invalidated (max_slot_wal_keep_size exceeded): resync the pipe");
  CheckPublicationExists(pg, cfg.publication);
}

// The batch-size measure of pull_batch_bytes: the values' text, as received.
size_t TextBytes(const Transaction& txn) {
  size_t bytes = 0;
  for (const RowChange& c : txn.changes) {
    for (const Cell& cell : c.row) bytes += cell.text.size();
    for (const Cell& cell : c.old_row) bytes += cell.text.size();
  }
  return bytes;
}

bool TouchesLoadingTable(const std::vector<Transaction>& batch, const AddedTableLoader* loader) {
  if (loader == nullptr || loader->Complete()) return false;
  for (const Transaction& t : batch)
    for (const RowChange& c : t.changes)
      if (loader->Loading(c.relid)) return true;
  return false;
}

// Spill files of the pipe: next to the catalog, whose disk is the one the operator provisioned for
// pg2ch (a $TMPDIR may be a small tmpfs, cleaned behind our back), one directory per pipe so
// that a pipe clearing its leftovers never touches another's files.
std::filesystem::path SpillDirectory(const PipeContext& ctx) {
  return std::filesystem::path(ctx.catalog.path() + ".spill") / ctx.config.name;
}

// Streams changes into ClickHouse until a stop request; with a `loader`, until its load is done
// too (then Running).
std::optional<PipeState> StreamChanges(PipeContext& ctx, AddedTableLoader* loader) {
  const PipeConfig& cfg = ctx.config;
  {
    auto pg = PgConnection::Connect(cfg.source, false);
    CheckSlotUsable(*pg, cfg);
  }
  ClickHouseClient ch(cfg.destination);
  ClickHouseSink sink(ch, ctx.tables);
  std::vector<SourceTable> sources;
  for (const auto& t : ctx.tables) sources.push_back(t.source);
  const std::filesystem::path spill_dir = SpillDirectory(ctx);
  ChangeSpill::RemoveLeftovers(spill_dir);  // a crashed run's: their transactions are replayed
  TransactionAssembler assembler(sources, {static_cast<size_t>(cfg.spill_threshold_changes),
                                           [spill_dir] { return ChangeSpill::Create(spill_dir); }});

  Lsn durable = ctx.Record().checkpoint_lsn;
  ReplicationStream stream(PgConnection::Connect(cfg.source, true), cfg.slot, cfg.publication,
                           durable);
  spdlog::info("pipe {}: CDC from {}", cfg.name, FormatLsn(durable));

  std::vector<Transaction> batch;
  size_t batch_changes = 0;
  size_t batch_bytes = 0;
  Lsn batch_end = 0;  // end of the last transaction the batch covers
  uint64_t total_changes = 0;
  Clock::time_point batch_started{};
  Clock::time_point last_status = Clock::now();
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(cfg.sync_interval_seconds));

  BatchApplier applier([&sink](std::span<Transaction> b) { sink.ApplyTransactions(b); });

  // Checkpoints and confirms what the applier made durable, never moving backwards.
  auto record_durable = [&](const std::vector<DurableBatch>& done) {
    for (const DurableBatch& d : done) {
      total_changes += d.changes;
      if (ctx.metrics) {
        ctx.metrics->cdc_changes += d.changes;
        ctx.metrics->batches += 1;
        if (d.last_commit_time != 0) ctx.metrics->last_commit_time = d.last_commit_time;
      }
      spdlog::debug("pipe {}: pushed {} transactions, {} changes, up to {}", cfg.name,
                    d.transactions, d.changes, FormatLsn(d.end));
    }
    if (done.empty() || done.back().end <= durable) return;
    durable = done.back().end;
    ctx.catalog.SetCheckpoint(ctx.pipe_id, durable);
    stream.SendStatus(durable);
    last_status = Clock::now();
  };

  // Unchanged TOAST values and TRUNCATEs of an added table need its loaded rows first. Status
  // updates go on meanwhile, or the server would drop the connection of a long load.
  auto wait_for_load = [&] {
    while (!loader->Done()) {
      if (ctx.stop_requested.load()) return false;
      record_durable(applier.TakeDurable());
      if (Clock::now() - last_status > std::chrono::seconds(5)) {
        stream.SendStatus(durable);
        last_status = Clock::now();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    loader->RethrowIfFailed();
    return loader->Complete();
  };

  // Hands the batch to the applier; with `wait`, returns once everything handed over is durable
  // and checkpointed. A batch held back by a stop during a load stays unconfirmed: replayed later.
  auto flush = [&](bool wait) {
    if (!batch.empty() && (!TouchesLoadingTable(batch, loader) || wait_for_load())) {
      applier.Submit(std::move(batch), batch_end);
      batch.clear();
      batch_changes = 0;
      batch_bytes = 0;
    }
    record_durable(wait ? applier.Drain() : applier.TakeDurable());
  };

  // Applies a spilled transaction in chunks of at most pull_batch_size changes, in order, each a
  // Transaction with the spilled one's LSNs and commit time; the end LSN is handed over with the
  // last chunk only, so it is checkpointed and confirmed once every chunk is durable. Call with
  // nothing in flight (flush(true)). False when a stop came first: the transaction stays
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
  auto apply_spilled = [&](const Transaction& head, ChangeSpill& spill) {
    const auto chunk_size = static_cast<size_t>(cfg.pull_batch_size);
    spdlog::info("pipe {}: applying a transaction of {} changes from disk, in chunks of {}",
                 cfg.name, spill.changes(), chunk_size);
    while (true) {
      std::vector<Transaction> part(1);
      part[0].commit_lsn = head.commit_lsn;
      part[0].end_lsn = head.end_lsn;
      part[0].commit_time = head.commit_time;
      part[0].changes = spill.ReadChunk(chunk_size);  // while the chunk before is being applied
      if (part[0].changes.empty()) break;
      if (ctx.stop_requested.load()) return false;
      if (TouchesLoadingTable(part, loader) && !wait_for_load()) return false;
      applier.Submit(std::move(part), spill.unread() == 0 ? head.end_lsn : durable);
      record_durable(applier.TakeDurable());
      if (Clock::now() - last_status > std::chrono::seconds(10)) {
        stream.SendStatus(durable);  // we read nothing meanwhile: keep the server from timing out
        last_status = Clock::now();
      }
    }
    record_durable(applier.Drain());
    return true;
  };

  // Keeps the server from timing us out; also confirms transactions that had nothing for us.
  Lsn idle_lsn = 0;
  auto report_status = [&] {
    bool idle = !applier.Busy();  // read first: a batch finishing now is taken just below
    record_durable(applier.TakeDurable());
    if (idle && batch.empty() && idle_lsn > durable) {
      ctx.catalog.SetCheckpoint(ctx.pipe_id, idle_lsn);
      durable = idle_lsn;
    }
    stream.SendStatus(durable);
    last_status = Clock::now();
  };

  auto last_report = Clock::now();
  while (!ctx.stop_requested.load()) {
    if (loader != nullptr && loader->Done()) {
      loader->RethrowIfFailed();
      if (loader->Complete()) {
        flush(true);
        spdlog::info("pipe {}: added tables loaded, CDC at {}", cfg.name, FormatLsn(durable));
        return PipeState::kRunning;
      }
    }
    record_durable(applier.TakeDurable());  // confirm each batch as soon as it is durable
    auto now = Clock::now();
    auto wait = std::chrono::milliseconds(100);
    if (!batch.empty() && !assembler.in_transaction()) {
      if (batch_changes >= static_cast<size_t>(cfg.pull_batch_size) ||
          batch_bytes >= static_cast<size_t>(cfg.pull_batch_bytes) ||
          now - batch_started >= interval) {
        flush(false);
        continue;
      }
      wait = std::min(wait, std::chrono::duration_cast<std::chrono::milliseconds>(batch_started +
                                                                                  interval - now) +
                                std::chrono::milliseconds(1));
    }
    auto message = stream.Next(wait);
    if (message) {
      if (auto* x = std::get_if<XLogData>(&*message)) {
        if (ctx.metrics) ctx.metrics->received_lsn = x->wal_end;
        std::optional<AssembledTransaction> done = assembler.Feed(DecodePgOutput(x->payload));
        Transaction* txn = done ? &done->transaction : nullptr;
        // The sink changes, or the transaction is applied on its own: drain first.
        if (txn && (done->spill || NeedsDestinationChange(*txn))) flush(true);
        if (txn) {
          for (const SchemaChange& change : txn->schema_changes)
            ApplySchemaChange(ctx, sink, change);
        }
        if (txn && done->spill) {
          if (!apply_spilled(*txn, *done->spill)) break;  // a stop: replayed at the next start
        } else if (txn && !txn->changes.empty()) {
          if (batch.empty()) batch_started = Clock::now();
          batch_changes += txn->changes.size();
          batch_bytes += TextBytes(*txn);
          batch_end = txn->end_lsn;
          batch.push_back(std::move(*txn));
        } else if (txn) {
          // Nothing of ours in it: confirmable once everything before it is durable.
          if (batch.empty())
            idle_lsn = txn->end_lsn;
          else
            batch_end = txn->end_lsn;
        }
      } else if (auto* k = std::get_if<PrimaryKeepalive>(&*message)) {
        if (ctx.metrics) ctx.metrics->received_lsn = k->wal_end;
        // The keepalive's position is what the server has sent so far; with nothing open or
        // pending here, every commit before it is durable, so an idle pipe can confirm it and
        // the slot stops holding WAL written by other databases and tables.
        if (batch.empty() && !assembler.in_transaction()) idle_lsn = std::max(idle_lsn, k->wal_end);
        if (k->reply_requested) report_status();
      }
    }
    if (Clock::now() - last_status > std::chrono::seconds(10)) report_status();
    if (Clock::now() - last_report > std::chrono::seconds(30)) {
      last_report = Clock::now();
      spdlog::info("pipe {}: CDC {} changes applied, checkpoint {}", cfg.name, total_changes,
                   FormatLsn(durable));
    }
  }
  // Stop: push what is complete so nothing committed waits for the next start.
  flush(true);
  spdlog::info("pipe {}: CDC stopped at {}", cfg.name, FormatLsn(durable));
  return std::nullopt;
}

}  // namespace

std::optional<PipeState> RunCdc(PipeContext& ctx) { return StreamChanges(ctx, nullptr); }

std::optional<PipeState> RunCdcWhileLoading(PipeContext& ctx) {
  std::vector<DestinationTable> pending;
  std::vector<TableRecord> records = ctx.catalog.Tables(ctx.pipe_id);
  for (const DestinationTable& t : ctx.tables)
    for (const TableRecord& r : records)
      if (r.source_schema == t.source.schema && r.source_table == t.source.name && !r.snapshot_done)
        pending.push_back(t);
  if (pending.empty()) return PipeState::kRunning;
  spdlog::info("pipe {}: loading {} added table(s) while CDC goes on", ctx.config.name,
               pending.size());
  AddedTableLoader loader(ctx, std::move(pending));
  return StreamChanges(ctx, &loader);
}

}  // namespace pg2ch
