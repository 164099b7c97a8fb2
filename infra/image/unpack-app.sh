#!/bin/sh
# Image build step (both Dockerfiles): turn the worker's Spring Boot fat jar into
#   <app-dir>/app.jar + <app-dir>/lib/*.jar   (Spring Boot's "tools" jar mode: a plain classpath, fast start)
#   <libtorch-dir>/lib/*.so                  (libtorch extracted from DJL's pytorch-native-* jar)
# and drop the pytorch-native jar from lib/, so libtorch exists once in the image (for cu124 that jar is
# 2.46 GB and unpacks to 3.8 GB). At run time DJL loads libtorch through PYTORCH_LIBRARY_PATH=<libtorch-dir>/lib
# with PYTORCH_FLAVOR=<flavor>, and takes its JNI library from the pytorch-jni jar that stays in lib/.
#
# Usage: unpack-app.sh <fat-jar> <app-dir> <libtorch-dir> <expected-flavor: cpu|cu124>
# Needs: java and jar (a JDK). Tested here on the CPU build (see infra/validate.sh, step "image").
set -eu

if [ "$#" -ne 4 ]; then
  echo "usage: $0 <fat-jar> <app-dir> <libtorch-dir> <expected-flavor>" >&2
  exit 2
fi
fat_jar=$1
app_dir=$2
libtorch_dir=$3
expected_flavor=$4

[ -f "$fat_jar" ] || { echo "unpack-app: no such jar: $fat_jar" >&2; exit 1; }
mkdir -p "$app_dir" "$libtorch_dir/lib"

# 1. The fat jar as app.jar (manifest Class-Path: lib/...) + lib/.
java -Djarmode=tools -jar "$fat_jar" extract --destination "$app_dir" --application-filename app.jar --force

# 2. Exactly one libtorch native jar must be there.
set -- "$app_dir"/lib/pytorch-native-*.jar
if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  echo "unpack-app: expected exactly one pytorch-native-*.jar in $app_dir/lib, found: $*" >&2
  exit 1
fi
native_jar=$1

# 3. Its libraries: pytorch/<flavor>/<classifier>/*.so, described by native/lib/pytorch.properties.
work=$(mktemp -d)
(cd "$work" && jar xf "$native_jar" native/lib/pytorch.properties pytorch)
props="$work/native/lib/pytorch.properties"
[ -f "$props" ] || { echo "unpack-app: $native_jar has no native/lib/pytorch.properties" >&2; exit 1; }
flavor=$(sed -n 's/^flavor=//p' "$props")
classifier=$(sed -n 's/^classifier=//p' "$props")
version=$(sed -n 's/^version=//p' "$props")
if [ "$flavor" != "$expected_flavor" ]; then
  echo "unpack-app: $native_jar is flavor '$flavor', the image sets PYTORCH_FLAVOR=$expected_flavor" >&2
  exit 1
fi
src="$work/pytorch/$flavor/$classifier"
[ -f "$src/libtorch.so" ] || { echo "unpack-app: no libtorch.so under pytorch/$flavor/$classifier" >&2; exit 1; }
# Every library the properties file lists must be present.
for lib in $(sed -n 's/^libraries=//p' "$props" | tr ',' ' '); do
  [ -f "$src/$lib" ] || { echo "unpack-app: $lib listed in pytorch.properties but missing" >&2; exit 1; }
done
mv "$src"/* "$libtorch_dir/lib/"
cp "$props" "$libtorch_dir/pytorch.properties"
rm -rf "$work" "$native_jar"

echo "unpack-app: app in $app_dir ($(find "$app_dir/lib" -name '*.jar' | wc -l) jars), libtorch $version $flavor/$classifier in $libtorch_dir/lib ($(du -sh "$libtorch_dir/lib" | cut -f1))"
