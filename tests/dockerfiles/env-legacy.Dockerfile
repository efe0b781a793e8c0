FROM centos:7
MAINTAINER Jane Doe <jane@example.com>
ENV JAVA_HOME /usr/lib/jvm/java-1.8.0-openjdk
ENV PATH $JAVA_HOME/bin:$PATH
ENV GREETING Hello World from "centos"
LABEL version 1.0
LABEL description="A legacy image" vendor=ACME
RUN yum install -y java-1.8.0-openjdk && yum clean all
EXPOSE 8080 8443/tcp 9000/udp
CMD java -jar /opt/app.jar
