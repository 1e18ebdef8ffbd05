"""Triage a Spark DataFrame: the same DataFrame out, with the outcome columns added.

    .venv/bin/pip install pyspark          # needs Java 17 or newer (java -version)
    .venv/bin/python examples/spark_recipe.py

Each row goes through ``spinetriage.triage_record`` in a Python UDF that returns a struct,
so every column of the input (ids included) is kept, and a bad record gets an ``error``
column instead of failing the job (triage_record never raises on bad data). The UDF needs
neither pandas nor pyarrow. Answers Spark holds as null are "not answered", in ``red_flags``
too (Spark fills an absent key with null): an error naming it, unless an emergency sign
decides. No warning signs must be said: an empty array ``[]`` (or "none").
"""

from __future__ import annotations

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from spinetriage import load_rules, triage_record

RESULT = T.StructType([
    T.StructField("outcome", T.StringType()),
    T.StructField("reasons", T.ArrayType(T.StringType())),
    T.StructField("phase", T.StringType()),
    T.StructField("ignored", T.ArrayType(T.StringType())),
    T.StructField("error", T.StringType()),
])


def triage_df(df, rules=None):
    """``df`` with outcome, reasons, phase, ignored and error columns; every row kept."""
    rules = rules or load_rules()  # shipped to the executors with the UDF (a RuleSet pickles)

    @F.udf(returnType=RESULT, useArrow=False)  # plain Python rows: no pandas, no pyarrow
    def triage_row(row):
        line = triage_record(row.asDict(recursive=True), rules)
        return tuple(line.get(field.name) for field in RESULT.fields)

    triaged = df.withColumn("_triage", triage_row(F.struct(*[F.col(c) for c in df.columns])))
    return triaged.select(*df.columns, *[F.col("_triage")[f.name].alias(f.name) for f in RESULT.fields])


SCHEMA = T.StructType([
    T.StructField("id", T.StringType()),
    T.StructField("location", T.ArrayType(T.StringType())),
    T.StructField("duration", T.StringType()),
    T.StructField("radiation", T.StringType()),
    T.StructField("recurrent", T.BooleanType()),
    T.StructField("limits_activities", T.BooleanType()),
    T.StructField("age", T.IntegerType()),
    T.StructField("red_flags", T.ArrayType(T.StringType())),
])

ROWS = [
    ("s1", ["lower-back"], "6w", "legs", False, True, 42, []),
    ("s2", ["neck"], "3d", "none", False, False, 35, []),              # [] says no warning sign applies
    ("s3", None, None, None, None, None, None, ["saddle-numbness"]),    # an emergency sign alone
    ("s4", ["lower-back"], "3", "none", False, False, 40, []),           # bad: a duration without a unit
    ("s5", ["lower-bak"], "2w", "none", None, False, 300, ["chest-pain"]),  # emergency despite bad values
    ("s6", ["mid-back"], "1y", "arms", True, False, 61, ["fever"]),
]

if __name__ == "__main__":
    spark = (SparkSession.builder.master("local[2]").appName("spinetriage-recipe")
             .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        df = spark.createDataFrame(ROWS, SCHEMA)
        out = triage_df(df).cache()
        out.select("id", "outcome", "reasons", "phase", "ignored", "error").show(truncate=28)
        counts = out.agg(F.count("*").alias("rows"), F.count("outcome").alias("triaged"),
                         F.count("error").alias("errors")).first()
        print(f"pyspark {spark.version}: {counts.rows} rows in, {counts.triaged} triaged, "
              f"{counts.errors} with an error; columns: {', '.join(out.columns)}")
    finally:
        spark.stop()
