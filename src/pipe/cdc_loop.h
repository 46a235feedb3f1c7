// The Running state's loop: pull transactions from the slot, push them to ClickHouse in batches,
// then (and only then) save the checkpoint and confirm the LSN to PostgreSQL.
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
// (ApplySpilled), so no transaction has to fit in memory.
//
// With an AddedTableLoader, changes to the tables it loads are held back (in memory, in order,
// at most pull_batch_size of them) until their load is durable, while the other tables' changes
// go on; the checkpoint stays before the first held transaction meanwhile, so a crash replays
// them. Past that bound, or before a schema change or a spilled transaction, the loop waits for
// the load instead. It ends (Running) once the load is durable and the held changes are applied.
// One loop per run of the state; not thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <vector>

#include "pipe/batch_applier.h"
#include "pipe/pipe_context.h"
#include "port/change_destination.h"
#include "port/change_source.h"

namespace pg2ch {

class AddedTableLoader;
class ChangeSpill;

class CdcLoop {
 public:
  // Opens the destination and the source (ctx.Ports()) and starts streaming from the pipe's
  // checkpoint. `loader` may be null; it must outlive the loop.
  CdcLoop(PipeContext& ctx, AddedTableLoader* loader);

  // Until a stop request (nullopt, after pushing what is complete) or, with a loader, until its
  // load is done (Running). Throws PipeError as classified by the parts.
  std::optional<PipeState> Run();

 private:
  using Clock = std::chrono::steady_clock;

  // Transactions waiting to be handed to the applier.
  struct Pending {
    std::vector<Transaction> transactions;
    size_t changes = 0;
    size_t bytes = 0;
    Lsn end = 0;  // end of the last transaction covered (including ones with nothing for us)
    Clock::time_point started{};
  };

  void RecordDurable(const std::vector<DurableBatch>& done);
  // Saves and confirms `end` if past the checkpoint.
  void AdvanceCheckpoint(Lsn end);
  void SendStatus();  // confirms the checkpoint (again)
  void SendStatusIfQuietFor(Clock::duration quiet);
  bool WaitForLoad();
  // Moves `txn`'s changes of tables being loaded to held_; false on a stop.
  bool HoldLoadingChanges(Transaction& txn);
  // Waits for the load, then applies the held changes; false on a stop or a load cut short.
  bool ReleaseHeld();
  void ApplyHeld();
  void Flush(bool wait);
  bool ApplySpilled(const Transaction& head, ChangeSpill& spill);
  void ReportStatus();
  // False when a stop came while a spilled transaction was applied.
  bool OnTransaction(AssembledTransaction& done);
  void OnKeepalive(const SourceKeepalive& keepalive);
  bool TouchesLoadingTable(const std::vector<Transaction>& transactions) const;

  PipeContext& ctx_;
  const PipeConfig& cfg_;
  AddedTableLoader* loader_;
  std::unique_ptr<ChangeDestination> destination_;
  std::filesystem::path spill_dir_;
  Lsn durable_;
  std::unique_ptr<ChangeSource> source_;
  Clock::duration interval_;
  Pending pending_;
  Lsn idle_lsn_ = 0;  // confirmable with nothing pending: transactions and WAL not ours
  Lsn last_end_ = 0;  // end of the last transaction seen
  // Changes of tables being loaded, by transaction, and the checkpoint's limit while any are
  // held (the end of the transaction before the first of them); `passed_` is what the checkpoint
  // would be without that limit.
  std::vector<Transaction> held_;
  size_t held_changes_ = 0;
  std::optional<Lsn> hold_limit_;
  Lsn passed_ = 0;
  uint64_t total_changes_ = 0;
  bool progress_recorded_ = false;
  Clock::time_point last_status_ = Clock::now();
  BatchApplier applier_;  // last: finishes its batch before the destination goes
};

}  // namespace pg2ch
