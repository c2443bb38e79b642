// tabpilot: one binary for the whole workflow. main only dispatches.
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>

#include "cli/commands.h"
#include "core/error.h"
#include "core/version.h"

int main(int argc, char** argv) {
  // XGBoost's OpenMP threads spin-wait by default, which makes a shared or
  // oversubscribed machine an order of magnitude slower. libgomp reads the
  // variable once, when it is loaded (before main), so set it and re-execute
  // ourselves once. A user's own setting is respected.
  if (std::getenv("OMP_WAIT_POLICY") == nullptr) {
    ::setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    ::execv("/proc/self/exe", argv);  // returns only on failure: carry on, just slower
  }

  // A write past the file-size limit (ulimit -f) fails with EFBIG, which the
  // writers report as an error line, instead of killing the process.
  std::signal(SIGXFSZ, SIG_IGN);

  CLI::App app{"tabpilot: AutoML for tables, from CSV to a served model"};
  app.set_version_flag("--version", std::string("tabpilot ") + TABPILOT_VERSION);
  app.require_subcommand(1);
  std::map<const CLI::App*, tabpilot::cli::Runner> runners;
  auto add = [&](tabpilot::cli::Runner runner) { runners[app.get_subcommands({}).back()] = std::move(runner); };
  add(tabpilot::cli::AddTrainCommand(app));
  add(tabpilot::cli::AddPredictCommand(app));
  add(tabpilot::cli::AddEvaluateCommand(app));
  add(tabpilot::cli::AddExplainCommand(app));
  add(tabpilot::cli::AddLeaderboardCommand(app));
  add(tabpilot::cli::AddLearnersCommand(app));
  add(tabpilot::cli::AddPipelineCommand(app));
  add(tabpilot::cli::AddRegistryCommand(app));
  add(tabpilot::cli::AddEndpointCommand(app));
  add(tabpilot::cli::AddServeCommand(app));
  add(tabpilot::cli::AddUiCommand(app));
  add(tabpilot::cli::AddSignCommand(app));
  add(tabpilot::cli::AddExportCommand(app));
  add(tabpilot::cli::AddHubCommand(app));

  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands({})) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::cerr << "error: unknown command '" << argv[1] << "' (commands: " << names << ")\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "error: " << e.what() << " (see 'tabpilot --help')\n";
    return 2;
  }
  try {
    for (const auto& [sub, run] : runners) {
      if (sub->parsed()) return run();
    }
    return 2;
  } catch (const tabpilot::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return tabpilot::ExitCodeFor(e.kind());
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << "\n";
    return 1;
  }
}
