// tabpilot learners [FAMILY]: the learner families and their parameters, read
// from the registry's tables (learners/learner_registry.h), so the listing
// cannot drift from what training accepts.
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "core/json.h"
#include "learners/learner_registry.h"

namespace tabpilot::cli {
namespace {

struct LearnersArgs {
  std::string family;  // empty: list the families
  std::string format = "table";
};

// What a family's learners are allowed and known to do, as the trainer reads it.
Json Traits(const LearnerRegistry::Entry& entry) {
  const std::unique_ptr<Learner> learner = entry.create(Json::object());
  Json tasks = Json::array();
  for (Task t : entry.tasks) tasks.push_back(TaskName(t));
  return Json{{"early_stops", learner->early_stops()},
              {"repeat_bags", entry.repeat_bags},
              {"stack_input", entry.stack_input},
              {"own_oof", learner->has_own_oof()},
              {"search_share", entry.searched() ? entry.search_share : 0.0},
              {"flavor", learner->flavor() == FeatureFlavor::kTree ? "tree" : "dense"},
              {"tasks", tasks}};
}

Json ParamJson(const ParamSpec& spec) {
  Json p{{"name", spec.name},
         {"type", ParamKindName(spec.kind)},
         {"default", spec.default_value},
         {"description", spec.description}};
  if (spec.kind == ParamSpec::Kind::kInt || spec.kind == ParamSpec::Kind::kFloat) {
    p["min"] = ParamBound(spec, spec.min);
    p["max"] = ParamBound(spec, spec.max);
  }
  if (!spec.choices.empty()) p["choices"] = spec.choices;
  return p;
}

std::string YesNo(const Json& v) { return v.get<bool>() ? "yes" : "no"; }

// A random-search share as printed: "no" when the family is not searched.
std::string ShareText(const Json& v) {
  const double share = v.get<double>();
  if (share <= 0) return "no";
  std::ostringstream out;
  out << share;
  return out.str();
}

// Left-aligned columns, two spaces apart; the last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& row : rows) {
    width.resize(std::max(width.size(), row.size()), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::ostringstream out;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      if (c + 1 < row.size()) {
        out << std::left << std::setw(static_cast<int>(width[c] + 2)) << row[c];
      } else {
        out << row[c];
      }
    }
    out << "\n";
  }
  return out.str();
}

int ListFamilies(const LearnerRegistry& registry, const std::string& format) {
  Json all = Json::array();
  std::vector<std::vector<std::string>> rows = {
      {"family", "early stops", "repeat bags", "stack input", "own OOF", "searched", "flavor", "description"}};
  for (const std::string& family : registry.Families()) {
    const LearnerRegistry::Entry& entry = registry.Get(family);
    const Json traits = Traits(entry);
    all.push_back(Json{{"family", family}, {"description", entry.description}, {"traits", traits}});
    rows.push_back({family, YesNo(traits["early_stops"]), YesNo(traits["repeat_bags"]), YesNo(traits["stack_input"]),
                    YesNo(traits["own_oof"]), ShareText(traits["search_share"]), traits["flavor"].get<std::string>(),
                    entry.description});
  }
  if (format == "json") {
    std::cout << all.dump(2) << "\n";
  } else {
    std::cout << Table(rows)
              << "(traits at the default parameters; searched: the family's share of the random search's draws; "
                 "'tabpilot learners FAMILY' lists its parameters)\n";
  }
  return 0;
}

int DescribeFamily(const LearnerRegistry& registry, const std::string& family, const std::string& format) {
  const LearnerRegistry::Entry& entry = registry.Get(family);  // unknown -> InvalidInput listing the valid ones
  const Json traits = Traits(entry);
  if (format == "json") {
    Json params = Json::array();
    for (const ParamSpec& spec : entry.params) params.push_back(ParamJson(spec));
    std::cout
        << Json{{"family", family}, {"description", entry.description}, {"traits", traits}, {"params", params}}.dump(2)
        << "\n";
    return 0;
  }
  std::string tasks;
  for (const Json& t : traits["tasks"]) tasks += (tasks.empty() ? "" : ", ") + t.get<std::string>();
  std::cout << family << ": " << entry.description << "\n"
            << "tasks: " << tasks << "; flavor: " << traits["flavor"].get<std::string>()
            << "; early stops: " << YesNo(traits["early_stops"]) << "; repeat bags: " << YesNo(traits["repeat_bags"])
            << "; stack input: " << YesNo(traits["stack_input"]) << "; own OOF: " << YesNo(traits["own_oof"])
            << "; random search share: " << ShareText(traits["search_share"]) << "\n\n";
  std::vector<std::vector<std::string>> rows = {{"parameter", "type", "default", "range", "description"}};
  for (const ParamSpec& spec : entry.params) {
    rows.push_back(
        {spec.name, ParamKindName(spec.kind), spec.default_value.dump(), ParamRangeText(spec), spec.description});
  }
  std::cout << Table(rows);
  return 0;
}

}  // namespace

Runner AddLearnersCommand(CLI::App& app) {
  auto args = std::make_shared<LearnersArgs>();
  CLI::App* sub = app.add_subcommand("learners", "List the learner families, or one family's parameters");
  sub->add_option("family", args->family, "A family name: list its parameters with defaults, ranges and docs");
  sub->add_option("--format", args->format, "table | json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  return [args] {
    const LearnerRegistry registry = LearnerRegistry::WithBuiltins();
    return args->family.empty() ? ListFamilies(registry, args->format)
                                : DescribeFamily(registry, args->family, args->format);
  };
}

}  // namespace tabpilot::cli
