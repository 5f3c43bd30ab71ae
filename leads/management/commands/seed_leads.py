import datetime as dt
import random
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from tqdm import tqdm

from leads import dashboard
from leads.counts import count_again
from leads.models import Lead

# Names from many countries; about 150 of each, so that like in a real intake no single name
# covers more than a small share of the leads.
FIRST_NAMES = (
    "Aaliyah Abdul Adaeze Adebayo Adriana Agnieszka Ahmed Aiko Aisha Akira Alejandro Aleksandr "
    "Alessandro Ali Alina Amara Amina Amir Ana Anastasia Andrea Andrei Ania Anjali Antonio Arjun "
    "Astrid Ayesha Bao Beatriz Bilal Bogdan Camila Carlos Carmen Catalina Chen Chiamaka Chidi "
    "Chloe Cristina Daniela Dariusz David Deepika Diego Dimitri Dmitri Dong Elena Elif Emeka "
    "Emilia Emre Esperanza Farah Fatima Fernando Gabriel Giorgos Grace Gustavo Hana Hassan Helga "
    "Hiroshi Hoang Huda Ibrahim Ifeoma Ines Ingrid Isabela Ivan Jamal Javier Jin Joao Jorge "
    "Julia Kaveh Kemal Kenji Khadija Kiran Kofi Kwame Laila Lakshmi Leila Li Lucia Lucas Luis "
    "Mahmoud Malik Mandla Manuel Marco Maria Mariam Marta Mateo Mei Mehmet Miguel Min Minh "
    "Mohammed Nadia Naveen Ngozi Nikolai Nikos Nour Obinna Olga Omar Oksana Olumide Pablo Parisa "
    "Pedro Pooja Priya Rafael Rahul Rania Ravi Reza Rosa Ruth Said Samira Sana Sara Sergei Seo "
    "Shira Siddharth Sofia Soo Sunita Tariq Tatiana Thabo Thomas Tomasz Uchenna Valentina "
    "Vikram Wei Xin Yara Yasmin Yusuf Zainab Zara Zeynep Zhang"
).split()
LAST_NAMES = (
    "Abebe Adeyemi Aguilar Ahmadi Akhtar Alvarez Amini Anand Andersson Antonov Arslan Asante "
    "Baptiste Barros Bashir Bello Bianchi Bondarenko Borges Cabrera Castillo Chandra Chaudhry "
    "Chen Cho Costa Cruz Dang Das Demir Diallo Dimitrov Dlamini Dogan Dubois Eze Farouk "
    "Fernandes Ferreira Fischer Flores Fofana Gomez Gonzalez Gupta Haddad Hakimi Hamid Han "
    "Hashemi Hernandez Hoang Horvat Hosseini Huang Hussain Ibrahim Ivanova Iyer Jafari Jain "
    "Jimenez Kamau Kang Kaplan Kaur Khalil Khan Kim Kovac Kowalski Kozlov Kumar Kuznetsov Le "
    "Lee Lim Liu Lopez Mahmoud Malik Martins Mehta Mendoza Mensah Mohammadi Molina Moreau "
    "Morales Moreno Murphy Mwangi Nair Nakamura Navarro Ndlovu Nguyen Novak Nowak Nunez Ogunleye "
    "Okafor Okonkwo Oliveira Omar Onyango Ortiz Osei Owusu Ozturk Park Patel Pereira Perez "
    "Petrov Pham Popescu Qureshi Rahman Ramirez Rao Reddy Reyes Rezaei Rios Rodrigues Romero "
    "Rossi Ruiz Saleh Sanchez Santos Sato Schmidt Shah Sharma Silva Singh Sokolov Sousa Suzuki "
    "Tanaka Tran Torres Vargas Vasquez Verma Volkov Wang Watanabe Wu Yadav Yamamoto Yang "
    "Yilmaz Yusuf Zhang Zhou"
).split()
# The leads arrive over the past year, in order (ids ascend with the date), as a real intake's do.
YEAR = dt.timedelta(days=365)
DOMAINS = ["example.com", "example.org", "example.net", "mail.example"]
RESUMES = [
    "Software engineer with {years} years of experience, looking for an H-1B sponsor.",
    "Registered nurse, {years} years in intensive care; asking about a green card.",
    "PhD researcher in biology, {years} years of publications; interested in EB-1 or O-1.",
    "Chef with {years} years in restaurants; my employer wants to sponsor me.",
    "Graduate student finishing a master's degree; asking about OPT and what comes after.",
]


class Command(BaseCommand):
    help = "Fill the database with N realistic fake leads, fast (bulk inserts)."

    def add_arguments(self, parser):
        parser.add_argument("count", type=int, help="How many leads to create.")
        parser.add_argument("--batch-size", type=int, default=5000)
        parser.add_argument(
            "--seed", type=int, default=None, help="Random seed, for repeatability."
        )

    def handle(self, count, batch_size, seed, **options):
        if count < 0:
            raise CommandError("COUNT must be 0 or more.")
        if batch_size < 1:
            raise CommandError("--batch-size must be 1 or more.")
        rng = random.Random(seed)
        now = timezone.now()
        # Emails carry a number above every existing lead's id, so they never collide.
        first_number = (Lead.objects.aggregate(Max("id"))["id__max"] or 0) + 1
        progress = tqdm(total=count, unit="lead", disable=not sys.stdout.isatty())
        created = 0
        while created < count:
            size = min(batch_size, count - created)
            batch = []
            for index in range(created, created + size):
                arrived = now - YEAR * (1 - (index + rng.random()) / count)
                batch.append(self._fake_lead(rng, arrived, first_number + index))
            with transaction.atomic():
                Lead.objects.bulk_create(batch, batch_size=1000)
            created += size
            progress.update(size)
        progress.close()
        count_again()  # bulk_create sends no signals
        dashboard.forget()
        self.stdout.write(self.style.SUCCESS(f"Created {created} leads."))

    def _fake_lead(self, rng, created_at, number):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        lead = Lead(
            first_name=first,
            last_name=last,
            email=f"{first}.{last}.{number}@{rng.choice(DOMAINS)}".lower(),
            resume=rng.choice(RESUMES).format(years=rng.randint(1, 20)),
            created_at=created_at,
            updated_at=created_at,
        )
        if rng.random() < 0.3:
            lead.state = Lead.State.REACHED_OUT
            lead.reached_out_at = created_at + dt.timedelta(hours=rng.randint(1, 240))
        lead.fill_keys()  # bulk_create does not call save()
        return lead
