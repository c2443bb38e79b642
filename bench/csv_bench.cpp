// CSV reading throughput: ReadRawCsv (split only) and ReadTable (read + infer +
// build) in MB/s on a generated numeric CSV and on the UCI Adult file, with 1
// and 2 threads, medians of several runs. When pandas is available (the peer,
// see bench/README.md) pandas.read_csv is timed on the same files.
//
//   csv_bench [--size-mb N] [--runs N] [--threads 1,2] [--no-peer] [--keep]
//
// Prints one Markdown table on stdout: wall-clock MB/s (medians) and, for
// ReadTable, MB per CPU-second (robust to other load on a shared machine).
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "data/csv_reader.h"
#include "data/type_inference.h"

namespace {

namespace fs = std::filesystem;
using tabpilot::CsvOptions;

struct Args {
  double size_mb = 100;
  int runs = 3;
  std::vector<int> threads = {1, 2};
  bool peer = true;
  bool keep = false;
};

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw tabpilot::InvalidInput(s + " needs a value");
      return argv[++i];
    };
    if (s == "--size-mb") {
      a.size_mb = std::stod(value());
    } else if (s == "--runs") {
      a.runs = std::max(1, std::stoi(value()));
    } else if (s == "--threads") {
      a.threads.clear();
      std::stringstream ss(value());
      std::string item;
      while (std::getline(ss, item, ',')) a.threads.push_back(std::stoi(item));
    } else if (s == "--no-peer") {
      a.peer = false;
    } else if (s == "--keep") {
      a.keep = true;
    } else {
      throw tabpilot::InvalidInput("unknown argument '" + s +
                                   "' (valid: --size-mb N, --runs N, --threads 1,2, --no-peer, --keep)");
    }
  }
  return a;
}

// Numeric CSV of about `mb` megabytes: 10 columns of integers, decimals,
// negatives and exponents, ~8% missing cells. Deterministic.
void GenerateNumericCsv(const fs::path& path, double mb) {
  std::ofstream out(path, std::ios::binary);
  out << "id,age,income,ratio,score,delta,count,weight,small,label\n";
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> unit(0, 1);
  const size_t target = static_cast<size_t>(mb * 1e6);
  size_t written = 0;
  std::string line;
  char buf[64];
  for (size_t row = 0; written < target; ++row) {
    line.clear();
    auto add = [&](const char* fmt, double v) {
      if (unit(rng) < 0.08) {
        line += ",";
        return;
      }
      std::snprintf(buf, sizeof buf, fmt, v);
      line += buf;
      line += ",";
    };
    line += std::to_string(row) + ",";
    add("%.0f", 18 + std::floor(unit(rng) * 70));
    add("%.2f", unit(rng) * 200000);
    add("%.6f", unit(rng));
    add("%.3f", unit(rng) * 100 - 50);
    add("%.4g", (unit(rng) - 0.5) * 1e-3);
    add("%.0f", std::floor(unit(rng) * 1000));
    add("%.5f", unit(rng) * 90 + 10);
    add("%.3e", unit(rng) * 1e-8);
    line += unit(rng) < 0.3 ? "1\n" : "0\n";
    out << line;
    written += line.size();
  }
  if (!out) throw tabpilot::IoError("cannot write " + path.string());
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
  double wall = 0;  // median wall seconds
  double cpu = 0;   // median process CPU seconds (all threads)
};

// Medians over `runs` calls. CPU time is reported next to wall time because
// the machine is shared: under load, wall time measures the neighbours too.
Timing Measure(int runs, const std::function<void()>& fn) {
  std::vector<double> wall, cpu;
  for (int i = 0; i < runs; ++i) {
    double c0 = ProcessCpuSeconds();
    auto start = std::chrono::steady_clock::now();
    fn();
    wall.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    cpu.push_back(ProcessCpuSeconds() - c0);
  }
  std::sort(wall.begin(), wall.end());
  std::sort(cpu.begin(), cpu.end());
  return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

// pandas.read_csv median seconds, or a negative value if unavailable.
double PandasSeconds(const fs::path& file, bool header, const std::string& extra, int runs) {
  const char* py = std::getenv("PEERS_PYTHON");
  std::string python = py && *py ? py : "/usr/bin/python3";
  std::ostringstream script;
  script << "import time,statistics,pandas as pd\n"
         << "t=[]\n"
         << "for _ in range(" << runs << "):\n"
         << "  s=time.perf_counter(); pd.read_csv(r'''" << file.string() << "''', header=" << (header ? "0" : "None")
         << extra << "); t.append(time.perf_counter()-s)\n"
         << "print(statistics.median(t))\n";
  fs::path script_path = file.parent_path() / "peer_read.py";
  std::ofstream(script_path) << script.str();
  std::string cmd = python + " " + script_path.string() + " 2>/dev/null";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  char buf[128] = {0};
  std::string out;
  while (std::fgets(buf, sizeof buf, pipe)) out += buf;
  int status = ::pclose(pipe);
  if (status != 0 || out.empty()) return -1;
  return std::stod(out);
}

struct Dataset {
  std::string name;
  fs::path path;
  bool header;
  std::string pandas_extra;
};

}  // namespace

int main(int argc, char** argv) {
  try {
    Args args = ParseArgs(argc, argv);
    fs::path dir = fs::temp_directory_path() / ("tabpilot-csv-bench-" + std::to_string(::getpid()));
    fs::create_directories(dir);

    std::vector<Dataset> datasets;
    fs::path synthetic = dir / "numeric.csv";
    std::cerr << "generating " << args.size_mb << " MB numeric CSV in " << synthetic << "\n";
    GenerateNumericCsv(synthetic, args.size_mb);
    datasets.push_back({"synthetic numeric", synthetic, true, ""});
    const char* env = std::getenv("TABPILOT_DATASETS");
    fs::path data_dir = env && *env ? fs::path(env) : fs::path(TABPILOT_DATASETS_DEFAULT);
    fs::path adult = data_dir / "adult" / "adult.data";
    if (fs::exists(adult)) {
      datasets.push_back({"adult.data", adult, false, ", skipinitialspace=True, na_values=['?']"});
    } else {
      std::cerr << "skipping adult: " << adult << " not found\n";
    }

    std::printf(
        "| dataset | MB | rows x cols | threads | ReadRawCsv MB/s | ReadTable MB/s | ReadTable MB/CPU-s | "
        "pandas.read_csv MB/s | ReadTable / pandas |\n");
    std::printf("|---|---:|---|---:|---:|---:|---:|---:|---:|\n");
    for (const Dataset& d : datasets) {
      double mb = static_cast<double>(fs::file_size(d.path)) / 1e6;
      double peer_mb_s = -1;
      if (args.peer) {
        double s = PandasSeconds(d.path, d.header, d.pandas_extra, args.runs);
        if (s > 0) peer_mb_s = mb / s;
      }
      for (int threads : args.threads) {
        CsvOptions csv;
        csv.header = d.header;
        csv.threads = threads;
        size_t rows = 0, cols = 0;
        Timing raw_t = Measure(args.runs, [&] {
          tabpilot::RawTable raw = tabpilot::ReadRawCsv(d.path, csv);
          rows = raw.num_rows();
          cols = raw.num_columns();
        });
        Timing table_t = Measure(args.runs, [&] {
          tabpilot::Table t = tabpilot::ReadTable(d.path, csv, tabpilot::InferenceOptions{});
          if (t.num_rows() != rows) throw tabpilot::Internal("row count mismatch");
        });
        char peer[32] = "n/a", ratio[32] = "n/a";
        if (peer_mb_s > 0) {
          std::snprintf(peer, sizeof peer, "%.1f", peer_mb_s);
          std::snprintf(ratio, sizeof ratio, "%.2f", (mb / table_t.wall) / peer_mb_s);
        }
        std::printf("| %s | %.1f | %zu x %zu | %d | %.1f | %.1f | %.1f | %s | %s |\n", d.name.c_str(), mb, rows, cols,
                    threads, mb / raw_t.wall, mb / table_t.wall, mb / table_t.cpu, peer, ratio);
        std::fflush(stdout);
      }
    }
    if (!args.keep) fs::remove_all(dir);
    return 0;
  } catch (const tabpilot::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return tabpilot::ExitCodeFor(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
}
