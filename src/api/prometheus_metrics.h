// Every pipe's state, load progress, CDC counters and lag in Prometheus' text exposition format
// (version 0.0.4), for GET /metrics. One series per pipe, labelled pipe="<name>"; the state as
// one 0/1 series per state name, so a change of state is visible as such. Counters of this
// process (cdc changes, batches) restart from zero with it; the rest comes from the catalog.
// Pure: views in, text out.
#pragma once

#include <string>
#include <vector>

#include "api/clickpipe_json.h"

namespace pg2ch {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string RenderPrometheus(const std::vector<PipeView>& pipes);

}  // namespace pg2ch
