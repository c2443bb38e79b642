"""Dataset specs for the benchmark suite: one entry per dataset in the shared
datasets folder's MANIFEST.tsv (adult twice: official split and AMLB's CV).

A spec says how to read the files exactly as their publishers made them and
what the learning problem is:

  parts        list of Part: file (relative to the datasets folder), format,
               role ("train"/"test" for an official split, None for CV), extra
               constant columns to add (e.g. wine's colour)
  names        column names when the files have no header row
  target, task binary | multiclass | regression
  drop         columns removed before anything else: identifiers and columns
               that leak the target (as each dataset's README says)
  na           cell values that mean "missing" in every column (written as
               empty cells)
  numeric_na   values that mean "missing" only in columns that are otherwise
               numeric (house_prices' 'NA', brazilian_houses' floor '-'); in
               text columns they stay a level of their own
  target_strip trailing characters stripped from target labels ('.' in
               adult.test and kddcup)
  rows         expected row count after reading (a guard against silent
               parsing changes)
  folds        fixed fold count for protocols that define one (AMLB adult: 10);
               None = the runner's --folds
All specs are immutable module data; nothing here touches the filesystem.
"""

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Part:
    file: str
    # csv: delimiter-separated with RFC 4180 quotes; ws: runs of whitespace;
    # arff: Weka ARFF (names and types from @attribute lines).
    format: str = "csv"
    delimiter: str = ","
    header: bool = True
    role: Optional[str] = None
    add: tuple = ()  # ((column, value), ...) appended to every row
    skip_prefix: Optional[str] = None  # lines starting with this are ignored


@dataclass(frozen=True)
class Spec:
    name: str
    parts: tuple
    target: str
    task: str
    rows: int
    names: Optional[tuple] = None
    drop: tuple = ()
    na: tuple = ("?", "")
    numeric_na: tuple = ()
    target_strip: str = ""
    folds: Optional[int] = None
    note: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def official_split(self):
        return any(p.role for p in self.parts)


ADULT_NAMES = (
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income")

KDD_NAMES = (
    "duration", "protocol_type", "service", "flag", "src_bytes", "dst_bytes",
    "land", "wrong_fragment", "urgent", "hot", "num_failed_logins", "logged_in",
    "num_compromised", "root_shell", "su_attempted", "num_root",
    "num_file_creations", "num_shells", "num_access_files", "num_outbound_cmds",
    "is_host_login", "is_guest_login", "count", "srv_count", "serror_rate",
    "srv_serror_rate", "rerror_rate", "srv_rerror_rate", "same_srv_rate",
    "diff_srv_rate", "srv_diff_host_rate", "dst_host_count",
    "dst_host_srv_count", "dst_host_same_srv_rate", "dst_host_diff_srv_rate",
    "dst_host_same_src_port_rate", "dst_host_srv_diff_host_rate",
    "dst_host_serror_rate", "dst_host_srv_serror_rate", "dst_host_rerror_rate",
    "dst_host_srv_rerror_rate", "connection_type")

LETTER_NAMES = (
    "lettr", "x-box", "y-box", "width", "high", "onpix", "x-bar", "y-bar",
    "x2bar", "y2bar", "xybar", "x2ybr", "xy2br", "x-ege", "xegvy", "y-ege",
    "yegvx")

VEHICLE_NAMES = (
    "COMPACTNESS", "CIRCULARITY", "DISTANCE_CIRCULARITY", "RADIUS_RATIO",
    "PR.AXIS_ASPECT_RATIO", "MAX.LENGTH_ASPECT_RATIO", "SCATTER_RATIO",
    "ELONGATEDNESS", "PR.AXIS_RECTANGULARITY", "MAX.LENGTH_RECTANGULARITY",
    "SCALED_VARIANCE_MAJOR", "SCALED_VARIANCE_MINOR",
    "SCALED_RADIUS_OF_GYRATION", "SKEWNESS_ABOUT_MAJOR", "SKEWNESS_ABOUT_MINOR",
    "KURTOSIS_ABOUT_MAJOR", "KURTOSIS_ABOUT_MINOR", "HOLLOWS_RATIO", "class")

ABALONE_NAMES = (
    "Sex", "Length", "Diameter", "Height", "Whole weight", "Shucked weight",
    "Viscera weight", "Shell weight", "Rings")

CAR_NAMES = ("buying", "maint", "doors", "persons", "lug_boot", "safety", "class")


def _specs():
    adult_parts_official = (
        Part("adult/adult.data", header=False, role="train"),
        Part("adult/adult.test", header=False, role="test", skip_prefix="|"),
    )
    adult_parts_cv = tuple(Part(p.file, header=False, skip_prefix=p.skip_prefix)
                           for p in adult_parts_official)
    specs = [
        Spec("adult", adult_parts_official, "income", "binary", 48842,
             names=ADULT_NAMES, target_strip=".",
             note="official split: adult.data (32,561) / adult.test (16,281)"),
        Spec("adult_amlb", adult_parts_cv, "income", "binary", 48842,
             names=ADULT_NAMES, target_strip=".", folds=10,
             note="AMLB protocol: 10-fold CV over all 48,842 rows"),
        Spec("credit_g", (Part("credit_g/credit-g.arff", format="arff"),),
             "class", "binary", 1000),
        Spec("bank_marketing", (Part("bank_marketing/bank-full.csv", delimiter=";"),),
             "y", "binary", 45211, drop=("duration",),
             note="duration dropped (known only after the call; leaks y); "
                  "'unknown' kept as a level"),
        Spec("kc1", (Part("kc1/kc1.arff", format="arff"),), "defects", "binary", 2109),
        Spec("blood_transfusion", (Part("blood_transfusion/transfusion.data"),),
             "whether he/she donated blood in March 2007", "binary", 748),
        Spec("phoneme", (Part("phoneme/phoneme.csv"),), "Class", "binary", 5404),
        Spec("titanic", (Part("titanic/titanic.csv"),), "Survived", "binary", 891,
             drop=("PassengerId",), note="PassengerId (row id) dropped"),
        Spec("vehicle", tuple(Part(f"vehicle/xa{c}.dat", format="ws", header=False)
                              for c in "abcdefghi"),
             "class", "multiclass", 846, names=VEHICLE_NAMES,
             note="xaa..xai concatenated in order"),
        Spec("segment", (Part("segment/segment-challenge.arff", format="arff", role="train"),
                         Part("segment/segment-test.arff", format="arff", role="test")),
             "class", "multiclass", 2310,
             note="official Weka split: challenge (1,500) / test (810)"),
        Spec("car", (Part("car/car.data", header=False),), "class", "multiclass", 1728,
             names=CAR_NAMES),
        Spec("letter", (Part("letter/letter-recognition.data", header=False),),
             "lettr", "multiclass", 20000, names=LETTER_NAMES,
             note="target is the first column"),
        Spec("wine_quality",
             (Part("wine_quality/winequality-red.csv", delimiter=";", add=(("type", "red"),)),
              Part("wine_quality/winequality-white.csv", delimiter=";",
                   add=(("type", "white"),))),
             "quality", "regression", 6497,
             note="red + white concatenated with a 'type' column"),
        Spec("abalone", (Part("abalone/abalone.data", header=False),), "Rings",
             "regression", 4177, names=ABALONE_NAMES),
        Spec("california_housing", (Part("california_housing/housing.csv"),),
             "median_house_value", "regression", 20640),
        Spec("house_prices", (Part("house_prices/train.csv"),), "SalePrice",
             "regression", 1460, drop=("Id",), na=("",), numeric_na=("NA",),
             note="Id dropped; 'NA' is missing in numeric columns, a level "
                  "('none') in text columns"),
        Spec("brazilian_houses", (Part("brazilian_houses/houses_to_rent_v2.csv"),),
             "total (R$)", "regression", 10692,
             drop=("hoa (R$)", "rent amount (R$)", "property tax (R$)",
                   "fire insurance (R$)"),
             numeric_na=("-",),
             note="the four components of total dropped (leak); floor '-' = missing"),
        Spec("bike_sharing", (Part("bike_sharing/hour.csv"),), "cnt", "regression",
             17379, drop=("instant", "casual", "registered"),
             note="hour.csv; instant (row id) and casual/registered (sum to cnt) dropped"),
        Spec("skin_segmentation",
             (Part("skin_segmentation/Skin_NonSkin.txt", delimiter="\t", header=False),),
             "label", "binary", 245057, names=("B", "G", "R", "label"),
             note="rows sorted by class in the file; stratified folds shuffle"),
        Spec("kddcup99",
             (Part("kddcup99/kddcup.data_10_percent.gz", header=False),),
             "connection_type", "multiclass", 494021, names=KDD_NAMES,
             target_strip=".", note="23 labels, the rarest with 2 rows"),
        Spec("airline_tweets", (Part("airline_tweets/Tweets.csv"),),
             "airline_sentiment", "multiclass", 14640,
             drop=("tweet_id", "airline_sentiment_confidence", "negativereason",
                   "negativereason_confidence", "airline_sentiment_gold",
                   "negativereason_gold"),
             note="tweet_id and the label-derived columns dropped; text and "
                  "tweet_created kept"),
    ]
    return {s.name: s for s in specs}


SPECS = _specs()

# Main metric per task (what the normalized score and the defects use) and
# whether higher is better, plus the secondary metrics reported beside it.
MAIN_METRIC = {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}
SECONDARY = {"binary": ("logloss", "f1"), "multiclass": ("accuracy", "macro_f1"),
             "regression": ("mae", "r2")}
HIGHER_IS_BETTER = {"auc": True, "logloss": False, "f1": True, "accuracy": True,
                    "macro_f1": True, "rmse": False, "mae": False, "r2": True}
# tabpilot's --metric for each task's main metric.
TABPILOT_METRIC = {"binary": "auc", "multiclass": "logloss", "regression": "rmse"}
