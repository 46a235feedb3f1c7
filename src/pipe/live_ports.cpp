// PipePorts over PostgreSQL and ClickHouse.
#include <spdlog/spdlog.h>

#include "common/error.h"
#include "destination/clickhouse/clickhouse_change_destination.h"
#include "destination/clickhouse/clickhouse_snapshot_destination.h"
#include "destination/clickhouse/clickhouse_tables.h"
#include "pipe/pipe_context.h"
#include "pipe/pipe_ports.h"
#include "pipe/pipe_substates.h"
#include "source/postgres/pg_change_source.h"
#include "source/postgres/pg_partition_reader.h"
#include "source/postgres/pg_snapshot_source.h"
#include "source/postgres/pg_source_admin.h"
#include "source/postgres/replication_setup.h"
#include "source/postgres/source_server.h"

namespace pg2ch {
namespace {

// Fails with a clear reason when the slot cannot serve us any more; retrying would not help.
void CheckSlotUsable(PgConnection& pg, const PipeConfig& cfg) {
  auto slot = FindSlot(pg, cfg.slot);
  if (!slot)
    ThrowFatal("replication slot \"" + cfg.slot +
               "\" does not exist on the source (was it dropped?): resync the pipe");
  if (slot->wal_status == "lost")
    ThrowFatal("replication slot \"" + cfg.slot +
               "\" was invalidated (max_slot_wal_keep_size exceeded): resync the pipe");
  if (slot->synced && InRecovery(pg))
    ThrowRetryable("replication slot \"" + cfg.slot +
                   "\" on this standby is a synced copy of the primary's failover slot: usable "
                   "once the standby is promoted");
  CheckPublicationExists(pg, cfg.publication);
}

// The source a pipe streams from may move (a failover: its host and port change in the pipe's
// definition), but only within its cluster: a standby made from the primary shares its system
// identifier, another server's slot and WAL positions mean nothing to the pipe. The first
// identifier seen is recorded; a failover slot follows the pipe's setting on a primary.
void CheckSourceCluster(PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  auto replication = PgConnection::Connect(cfg.source, true);
  std::string id = SystemIdentifier(*replication);
  std::optional<std::string> recorded = ctx.catalog.GetProperty(ctx.pipe_id, "source_system_id");
  if (!recorded) {
    ctx.catalog.SetProperty(ctx.pipe_id, "source_system_id", id);
  } else if (*recorded != id) {
    ThrowFatal("the source at " + cfg.source.host + ":" + std::to_string(cfg.source.port) +
               " is another PostgreSQL cluster (system identifier " + id + ", the pipe's is " +
               *recorded +
               "): a pipe may move only to a standby of its own source; point it back, or "
               "create a new pipe");
  }
  if (replication->server_version() < 170000 || InRecovery(*replication)) return;
  std::optional<SlotInfo> slot = FindSlot(*replication, cfg.slot);
  if (slot && slot->failover != cfg.failover_slot) {
    SetSlotFailover(*replication, cfg.slot, cfg.failover_slot);
    spdlog::info("pipe {}: slot {} is {} a failover slot", cfg.name, cfg.slot,
                 cfg.failover_slot ? "now" : "no longer");
  }
}

// A backend of this same pipe (its application_name) still holding the slot is a walsender of
// a pg2ch that is gone: ended once seen for stale_slot_holder_seconds. Anyone else's is left
// alone; either way START_REPLICATION then fails as retryable until the slot is free.
void ReleaseStaleSlotHolder(PgConnection& pg, PipeContext& ctx) {
  const PipeConfig& cfg = ctx.config;
  std::optional<SlotHolder> holder = FindSlotHolder(pg, cfg.slot);
  if (!holder || holder->application_name != cfg.source.application_name) {
    ctx.slot_held_since.reset();
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (!ctx.slot_held_since) ctx.slot_held_since = now;
  if (now - *ctx.slot_held_since < std::chrono::seconds(cfg.stale_slot_holder_seconds)) return;
  spdlog::warn("pipe {}: slot {} has been held by backend {} ({}) for {} s or more: ending it",
               cfg.name, cfg.slot, holder->pid, holder->application_name,
               cfg.stale_slot_holder_seconds);
  TerminateBackend(pg, holder->pid);
  ctx.slot_held_since.reset();
}

class LivePipePorts final : public PipePorts {
 public:
  std::unique_ptr<SourceAdmin> OpenSourceAdmin(const PipeContext& ctx) override {
    return std::make_unique<PgSourceAdmin>(ctx.config.source, ctx.config.publication,
                                           ctx.config.slot, ctx.config.failover_slot);
  }

  std::unique_ptr<SnapshotSource> OpenSnapshotSource(const PipeContext& ctx) override {
    return std::make_unique<PgSnapshotSource>(ctx.config.source, ctx.config.slot,
                                              ctx.config.failover_slot);
  }

  std::unique_ptr<ChangeSource> OpenChangeSource(PipeContext& ctx, Lsn start,
                                                 SpillPolicy spill) override {
    const PipeConfig& cfg = ctx.config;
    CheckSourceCluster(ctx);  // first: another cluster's slot and publication mean nothing
    {
      auto pg = PgConnection::Connect(cfg.source, false);
      CheckSlotUsable(*pg, cfg);
      ReleaseStaleSlotHolder(*pg, ctx);
    }
    std::vector<SourceTable> sources = SourceTables(ctx.tables);
    std::vector<std::string> publications =
        StreamPublications(cfg.publication, PublicationOwned(ctx.catalog, ctx.pipe_id), sources);
    return std::make_unique<PgChangeSource>(cfg.source, cfg.slot, publications, start, sources,
                                            std::move(spill), cfg.stream_large_transactions);
  }

  std::unique_ptr<ChangeDestination> OpenChangeDestination(const PipeContext& ctx) override {
    return std::make_unique<ClickHouseChangeDestination>(ctx.config.destination, ctx.tables);
  }

  std::unique_ptr<DestinationTables> OpenDestinationTables(const PipeContext& ctx) override {
    return std::make_unique<ClickHouseTables>(ctx.config.destination);
  }

  std::unique_ptr<SnapshotDestination> OpenSnapshotDestination(
      const PipeContext& ctx, const std::vector<size_t>& tables) override {
    auto destination =
        std::make_unique<ClickHouseSnapshotDestination>(ctx.config.destination, ctx.tables, tables);
    for (size_t i : tables) {
      const TableCodec& codec = destination->codec(i);
      // Binary COPY skips parsing text twice; only exact conversions qualify
      // (pg_binary_encoder.h).
      if (codec.binary_copy())
        spdlog::info("pipe {}: table {} is copied with binary COPY", ctx.config.name,
                     codec.source().QualifiedName());
      else
        spdlog::info(
            "pipe {}: table {} is copied with text COPY: column {} has no binary conversion",
            ctx.config.name, codec.source().QualifiedName(), codec.text_copy_reason());
    }
    return destination;
  }

  std::unique_ptr<PartitionReader> OpenPartitionReader(
      const PipeContext& ctx, const std::string& snapshot_name,
      const std::vector<SourceTable>& tables) override {
    return std::make_unique<PgPartitionReader>(ctx.config.source, snapshot_name, tables);
  }
};

}  // namespace

std::vector<SourceTable> SourceTables(const std::vector<DestinationTable>& tables) {
  std::vector<SourceTable> out;
  for (const auto& t : tables) out.push_back(t.source);
  return out;
}

PipePorts& LivePorts() {
  static LivePipePorts ports;
  return ports;
}

}  // namespace pg2ch
