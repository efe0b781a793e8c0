# Build with Maven, run on a JRE.
FROM maven:3.9-eclipse-temurin-21 AS build
WORKDIR /workspace
COPY pom.xml .
RUN --mount=type=cache,target=/root/.m2 mvn -B dependency:go-offline
COPY src ./src
RUN --mount=type=cache,target=/root/.m2 mvn -B package -DskipTests \
    && mkdir -p target/dependency \
    && cd target/dependency \
    && jar -xf ../*.jar

FROM eclipse-temurin:21-jre-jammy
ARG DEPENDENCY=/workspace/target/dependency
RUN addgroup --system spring && adduser --system --ingroup spring spring
USER spring:spring
COPY --from=build ${DEPENDENCY}/BOOT-INF/lib /app/lib
COPY --from=build ${DEPENDENCY}/META-INF /app/META-INF
COPY --from=build ${DEPENDENCY}/BOOT-INF/classes /app
ENTRYPOINT ["java","-cp","app:app/lib/*","hello.Application"]
