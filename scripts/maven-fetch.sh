# Sourced by the node scripts: fetch one artifact and its dependencies from Maven Central.
# maven_fetch DIR GROUP ARTIFACT VERSION [TYPE]: writes DIR/pom.xml, copies the jars (or the
# TYPE-typed file) into DIR/lib. Maven keeps its own copy in ~/.m2, so a second fetch is local.
maven_fetch() {
  local dir=$1 group=$2 artifact=$3 version=$4 type=${5:-jar}
  mkdir -p "$dir"
  cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.trialscout</groupId>
  <artifactId>$artifact-node</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>$group</groupId>
      <artifactId>$artifact</artifactId>
      <version>$version</version>
      <type>$type</type>
    </dependency>
  </dependencies>
</project>
POM
  (cd "$dir" && mvn -B -q dependency:copy-dependencies -DoutputDirectory=lib)
}
